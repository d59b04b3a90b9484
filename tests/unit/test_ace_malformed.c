/* Unit tests of the ACE potential readers on small hand-written inputs
 * (ace_test_inputs.h): the valid files give the values they were written
 * with (flat radcoefficients reshaped k-outermost, bond copied to its dual,
 * short lint forms expanded, defaults), keys ML-PACE does not read are
 * ignored with a note, and every malformed variant (what ML-PACE rejects)
 * gives a clean error whose message names the file, the line and key path of
 * the offending node and the problem. */
#include "ace_io.h"
#include "ace_test_inputs.h"
#include "check.h"

typedef aceuq_status (*reader_fn)(const char *, size_t, const char *, ace_model **, aceuq_error *);

/* at_new_line k > 0: the error must be reported on line k of the replacement text */

/* variant of base must fail with code and a message containing the
 * "t.X:<line>:" location (line > 0), path and problem (either may be NULL) */
static void expect_error(reader_fn read, const char *name, const char *text, aceuq_status code, int line,
                         const char *path, const char *problem)
{
  ace_model *m = (ace_model *)1;
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_status st = read(text, strlen(text), name, &m, &err);
  CHECK(st == code);
  CHECK(err.code == st);
  CHECK(m == NULL);
  char where[64];
  snprintf(where, sizeof where, "%s:", name);
  CHECK(strncmp(err.message, where, strlen(where)) == 0);
  if (line > 0) {
    snprintf(where, sizeof where, "%s:%d:", name, line);
    CHECK_STR_CONTAINS(err.message, where);
  }
  if (path) CHECK_STR_CONTAINS(err.message, path);
  if (problem) CHECK_STR_CONTAINS(err.message, problem);
  if (st != code) fprintf(stderr, "  (status %d, message: %s)\n", (int)st, err.message);
}

static void yaml_case(const char *old, const char *new_text, aceuq_status code, int at_new_line, const char *path,
                      const char *problem)
{
  int line;
  char *t = ace_test_variant(ace_test_yaml, old, new_text, &line);
  expect_error(ace_model_read_yaml_buffer, "t.yaml", t, code, at_new_line ? line + at_new_line - 1 : 0, path, problem);
  free(t);
}

static void yace_case(const char *old, const char *new_text, aceuq_status code, int at_new_line, const char *path,
                      const char *problem)
{
  int line;
  char *t = ace_test_variant(ace_test_yace, old, new_text, &line);
  expect_error(ace_model_read_yace_buffer, "t.yace", t, code, at_new_line ? line + at_new_line - 1 : 0, path, problem);
  free(t);
}

/* the variant of base is accepted, with a note containing each of want[] (NULL-terminated), or no note at all if
 * want[0] is NULL; returns the model for further checks (caller frees) */
static ace_model *expect_notes(reader_fn read, const char *base, const char *old, const char *new_text,
                               const char *const *want)
{
  char *t = ace_test_variant(base, old, new_text, NULL);
  ace_model *m = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_status st = read(t, strlen(t), read == ace_model_read_yaml_buffer ? "t.yaml" : "t.yace", &m, &err);
  CHECK(st == ACEUQ_OK);
  if (st != ACEUQ_OK) fprintf(stderr, "  (rejected: %s; replacing '%s')\n", err.message, old);
  free(t);
  if (!m) return NULL;
  if (!want[0]) {
    CHECK(m->notes.count == 0);
    if (m->notes.count) fprintf(stderr, "  (unexpected note: %s)\n", m->notes.text[0]);
  }
  for (; *want; ++want) {
    int found = 0;
    for (size_t i = 0; i < m->notes.count && !found; ++i) found = strstr(m->notes.text[i], *want) != NULL;
    CHECK(found);
    if (!found) fprintf(stderr, "  (no note contains '%s'; %zu notes)\n", *want, m->notes.count);
  }
  return m;
}

static void yaml_notes(const char *old, const char *new_text, const char *const *want)
{
  ace_model_free(expect_notes(ace_model_read_yaml_buffer, ace_test_yaml, old, new_text, want));
}

static void valid_yaml(void)
{
  ace_model *m = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(ace_model_read_yaml_buffer(ace_test_yaml, strlen(ace_test_yaml), "t.yaml", &m, &err) == ACEUQ_OK);
  if (!m) {
    fprintf(stderr, "valid yaml rejected: %s\n", err.message);
    return;
  }
  CHECK(m->nelements == 2 && !strcmp(m->elements[0], "Al") && !strcmp(m->elements[1], "Ni"));
  CHECK(!strcmp(m->source, "t.yaml"));
  CHECK(m->delta_spline_bins == 0.001);
  CHECK(m->inner_cutoff_type == ACE_INNER_CUTOFF_DISTANCE);
  CHECK(m->notes.count == 0 && m->notes.dropped == 0);
  CHECK(m->E0[0] == 0.0 && m->E0[1] == 0.0);
  CHECK(m->ctilde == NULL && m->nctilde == NULL);
  /* embeddings, with defaults for Al */
  CHECK(m->embeddings[0].ndensity == 1 && m->embeddings[0].type == ACE_EMBEDDING_FINNIS_SINCLAIR);
  CHECK(m->embeddings[0].rho_core_cut == 100000 && m->embeddings[0].drho_core_cut == 250);
  CHECK(m->embeddings[1].ndensity == 2 && m->embeddings[1].type == ACE_EMBEDDING_FINNIS_SINCLAIR_SHIFTED_SCALED);
  CHECK(m->embeddings[1].params[3] == 0.5 && m->embeddings[1].rho_core_cut == 50 && m->embeddings[1].drho_core_cut == 5);
  /* Al-Al nested [n][l][k] */
  const ace_bond *aa = &m->bonds[0], *an = &m->bonds[1], *na = &m->bonds[2], *nn = &m->bonds[3];
  CHECK(aa->defined && aa->radbase == ACE_RADBASE_CHEBEXPCOS && aa->lambda == 3.0 && aa->rcut == 5.0);
  CHECK(aa->nradmax == 2 && aa->lmax == 1 && aa->nradbase == 2 && aa->prehc == 0 && aa->lambdahc == 0);
  for (int i = 0; i < 8; ++i) CHECK(aa->crad[i] == i + 1);
  /* Al-Ni flat [1, 2, 3, 4], nradmax 1, lmax 1, K 2, k outermost then n then l:
   * flat = (k0: l0 l1, k1: l0 l1) -> crad[0][0][*] = 1 3, crad[0][1][*] = 2 4 */
  CHECK(an->defined && an->radbase == ACE_RADBASE_CHEBPOW && an->lambda == 2.0 && an->rcut == 6.0);
  CHECK(an->crad[0] == 1 && an->crad[1] == 3 && an->crad[2] == 2 && an->crad[3] == 4);
  CHECK(an->r_in == 1.0 && an->delta_in == 0.5);
  CHECK(an->prehc == 3 && an->lambdahc == 1.5);
  /* Ni-Al: radial basis copied from Al-Ni, inner cutoff with its core-repulsion */
  CHECK(na->defined && na->rcut == 6.0 && na->nradbase == 2 && na->crad != an->crad);
  CHECK(na->crad[1] == 3 && na->crad[2] == 2 && na->r_in == 1.0 && na->delta_in == 0.5);
  CHECK(na->prehc == 3 && na->lambdahc == 1.5);
  CHECK(nn->defined && nn->radbase == ACE_RADBASE_SBESSEL && nn->prehc == 10 && nn->lambdahc == 2);
  CHECK(nn->crad[0] == 1 && nn->crad[1] == 2 && nn->crad[2] == 3 && nn->dcut == 0.02);
  /* functions: Al has 4 + 2 in file order, Ni 1 + 1 */
  CHECK(m->nbfuncs[0] == 6 && m->nbfuncs[1] == 2);
  const ace_bfunc *f = m->bfuncs[0];
  CHECK(f[0].rank == 1 && f[0].mu0 == 0 && f[0].mus[0] == 0 && f[0].ns[0] == 1 && f[0].coeffs[0] == 1.5);
  CHECK(f[1].rank == 2 && f[1].ns[1] == 2 && f[1].ls[0] == 1 && f[1].coeffs[0] == 2.5 && f[1].nlint == 0);
  CHECK(f[2].rank == 3 && f[2].nlint == 1 && f[2].lint[0] == 0);                      /* L1 = l3 */
  CHECK(f[3].rank == 4 && f[3].nlint == 2 && f[3].lint[0] == 2 && f[3].lint[1] == 2); /* L2 = L1 */
  CHECK(f[4].rank == 1 && f[4].mus[0] == 1 && f[4].ns[0] == 2 && f[4].coeffs[0] == 3.5 && !f[4].skip);
  CHECK(f[5].rank == 2 && f[5].mus[0] == 0 && f[5].mus[1] == 1 && f[5].skip == 1);
  f = m->bfuncs[1];
  CHECK(f[0].mu0 == 1 && f[0].ns[0] == 3 && f[0].coeffs[0] == 1 && f[0].coeffs[1] == 2);
  CHECK(f[1].mus[0] == 0 && f[1].mus[1] == 1 && f[1].coeffs[1] == -1);
  /* global maxima */
  CHECK(m->cutoffmax == 6.0 && m->lmax == 1 && m->nradmax == 2 && m->nradbase == 3);
  CHECK(m->rankmax == 4 && m->ndensitymax == 2);
  ace_model_free(m);

  /* the bond written in both orders, identically, is accepted */
  char *t = ace_test_variant(ace_test_yaml, "  - speciesblock: Ni Al\n",
                             "  - speciesblock: Ni Al\n    nradmaxi: 1\n    lmaxi: 1\n    nradbaseij: 2\n"
                             "    radbase: ChebPow\n    radparameters: [2.0]\n    radcoefficients: [[[1, 3], [2, 4]]]\n"
                             "    rcutij: 6.0\n    dcutij: 0.01\n    r_in: 1.0\n    delta_in: 0.5\n"
                             "    inner_cutoff_type: distance\n", NULL);
  CHECK(ace_model_read_yaml_buffer(t, strlen(t), "t.yaml", &m, &err) == ACEUQ_OK);
  ace_model_free(m);
  free(t);
}

/* Keys pacemaker writes where ML-PACE does not read them, and keys nobody
 * reads: accepted, the same potential, a note only where a value differs
 * from the one used. */
static void pacemaker_keys_yaml(void)
{
  const char *none[] = {NULL};
  /* pacemaker (2021) writes rho_core_cut/drho_core_cut into pair blocks */
  yaml_notes("    core-repulsion: [3, 1.5]\n", "    core-repulsion: [3, 1.5]\n    rho_core_cut: 100000\n"
             "    drho_core_cut: 250\n", none);
  const char *rho[] = {"species[2].rho_core_cut: ignored (its value differs from the one used): ML-PACE takes "
                       "rho_core_cut of Al from its single-species block 'Al' (line 5): 100000", NULL};
  ace_model *m = expect_notes(ace_model_read_yaml_buffer, ace_test_yaml, "    core-repulsion: [3, 1.5]\n",
                              "    core-repulsion: [3, 1.5]\n    rho_core_cut: 7\n    drho_core_cut: 250\n", rho);
  if (m) {
    CHECK(m->notes.count == 1 && m->embeddings[0].rho_core_cut == 100000);
    ace_model_free(m);
  }
  /* every embedding key in the other pair block: values differ, one note each, embedding of Ni unchanged */
  const char *emb[] = {"species[3].ndensityi", "species[3].npoti", "species[3].parameters", "species[3].rho_core_cut",
                       "species[3].drho_core_cut", NULL};
  m = expect_notes(ace_model_read_yaml_buffer, ace_test_yaml, "  - speciesblock: Ni Al\n",
                   "  - speciesblock: Ni Al\n    ndensityi: 1\n    npoti: FinnisSinclair\n    parameters: [1, 1]\n"
                   "    rho_core_cut: 1\n    drho_core_cut: x\n", emb);
  if (m) {
    CHECK(m->notes.count == 5 && m->embeddings[1].ndensity == 2 && m->embeddings[1].rho_core_cut == 50);
    ace_model_free(m);
  }
  /* the same values as Ni's single-species block: no note */
  yaml_notes("  - speciesblock: Ni Al\n", "  - speciesblock: Ni Al\n    ndensityi: 2\n    npoti: "
             "FinnisSinclairShiftedScaled\n    parameters: [1, 1, 1, 0.5]\n    rho_core_cut: 50\n    drho_core_cut: 5\n",
             none);
  /* NameOfCutoffFunctionij anywhere; cutoff keys of a block without radial basis */
  yaml_notes("    rcutij: 5.0\n", "    rcutij: 5.0\n    NameOfCutoffFunctionij: cos\n", none);
  const char *cut[] = {"species[3].rcutij: ignored: the block defines no radial basis (no 'lmaxi')",
                       "species[3].NameOfCutoffFunctionij: ignored", NULL};
  yaml_notes("  - speciesblock: Ni Al\n", "  - speciesblock: Ni Al\n    rcutij: 9\n    NameOfCutoffFunctionij: cos\n",
             cut);
  /* unknown keys anywhere */
  const char *unk[] = {"t.yaml:16: species[0]: unknown key 'lmaxx' ignored", NULL};
  yaml_notes("    rcutij: 5.0\n", "    rcutij: 5.0\n    lmaxx: 3\n", unk);
  const char *unk2[] = {"species[0].nbody[0]: unknown key 'sikp' ignored", NULL};
  yaml_notes("{type: Al Al, nr: [1], nl: [0], c: [1.5]}", "{type: Al Al, nr: [1], nl: [0], c: [1.5], sikp: true}", unk2);
  const char *unk3[] = {"t.yaml:2: unknown key 'foo' ignored", "global: unknown key 'bar' ignored", NULL};
  yaml_notes("metadata: {user: test}\nglobal:\n", "metadata: {user: test}\nfoo: 1\nglobal:\n  bar: 2\n", unk3);
  /* a block of three species: only nbody is used */
  const char *three[] = {"species[5].lmaxi: ignored: a block of three or more species only contributes nbody",
                         "species[5].core-repulsion: ignored", "species[5].rho_core_cut: ignored (its value differs",
                         NULL};
  char *with_cu = ace_test_variant(ace_test_yaml, "  - speciesblock: Ni Al\n",
                                   "  - speciesblock: Cu\n    ndensityi: 1\n    npoti: FinnisSinclair\n"
                                   "    parameters: [1, 1]\n    inner_cutoff_type: distance\n"
                                   "  - speciesblock: Ni Al\n", NULL);
  strcat(with_cu = realloc(with_cu, strlen(with_cu) + 512), "  - speciesblock: Al Ni Cu\n    lmaxi: 1\n    nradmaxi: 1\n"
         "    nradbaseij: 1\n    radbase: ChebExpCos\n    radparameters: [1]\n    radcoefficients: [[[1], [1]]]\n"
         "    rcutij: 5\n    dcutij: 0.1\n    core-repulsion: [1, 1]\n    rho_core_cut: 5\n    nbody: []\n");
  ace_model_free(expect_notes(ace_model_read_yaml_buffer, with_cu, "", "", three));
  free(with_cu);
  /* ML-PACE's TEST_ radial bases: SBessel for TEST_SBessel, a zero basis for any other */
  m = expect_notes(ace_model_read_yaml_buffer, ace_test_yaml, "radbase: ChebPow", "radbase: TEST_Anything", none);
  if (m) {
    CHECK(m->bonds[1].radbase == ACE_RADBASE_TEST_ZERO && m->bonds[2].radbase == ACE_RADBASE_TEST_ZERO);
    ace_model_free(m);
  }
  /* a pair given in one order only: its bond serves both, with a note */
  const char *one_order[] = {"no block 'Ni Al': the bond of 'Al Ni' is used for Ni-Al as well", NULL};
  const char *a = strstr(ace_test_yaml, "  - speciesblock: Ni Al\n");
  m = expect_notes(ace_model_read_yaml_buffer, ace_test_yaml, a, "", one_order);
  if (m) {
    CHECK(m->bonds[2].defined && m->bonds[2].rcut == 6.0 && m->bonds[2].prehc == 3 && m->bonds[2].crad != m->bonds[1].crad);
    ace_model_free(m);
  }
}

static void malformed_yaml(void)
{
  aceuq_status F = ACEUQ_ERR_FORMAT, V = ACEUQ_ERR_VALUE, M = ACEUQ_ERR_MISMATCH;
  yaml_case("    rcutij: 5.0\n", "", F, 0, "species[0]", "missing required key 'rcutij'");
  yaml_case("lmaxi: 1\n    nradbaseij: 2\n    radbase: ChebExpCos", "lmaxi: abc\n    nradbaseij: 2\n    radbase: ChebExpCos",
            F, 1, "species[0].lmaxi", "expected an integer, got 'abc'");
  yaml_case("    ndensityi: 1\n", "    ndensityi: 1.0\n", F, 1, "species[0].ndensityi", "expected an integer, got '1.0'");
  yaml_case("    rcutij: 5.0\n", "    rcutij: 5.0abc\n", F, 1, "species[0].rcutij", "expected a number, got '5.0abc'");
  yaml_case("    rcutij: 5.0\n", "    rcutij: .nan\n", F, 1, "species[0].rcutij", "expected a number");
  yaml_case("    rcutij: 5.0\n", "    rcutij: nan\n", F, 1, "species[0].rcutij", "expected a number");
  yaml_case("    rcutij: 5.0\n", "    rcutij: 1e999\n", V, 1, "species[0].rcutij", "out of the double range");
  yaml_case("    rcutij: 5.0\n", "    rcutij: [5.0]\n", F, 1, "species[0].rcutij", "expected a number, got a list");
  yaml_case("    rcutij: 5.0\n", "    rcutij: 0\n", V, 0, "species[0]", "cutoff must be > 0");
  yaml_case("DeltaSplineBins: 0.001", "DeltaSplineBins: -0.001", V, 1, "global.DeltaSplineBins", "must be > 0");
  yaml_case("global:\n  DeltaSplineBins: 0.001\n", "", F, 0, NULL, "missing required key 'global'");
  yaml_case("{type: Ni Ni, nr: [3], nl: [0], c: [1, 2]}", "{type: Ni Ni, nr: [3], nl: [0], c: [1]}", M, 1,
            "species[1].nbody[0].c", "expected 2 coefficients");
  yaml_case("{type: Ni Ni, nr: [3]", "{type: Al Ni, nr: [3]", M, 1, "species[1].nbody[0].type",
            "must start with the block's element Ni");
  yaml_case("{type: Ni Ni, nr: [3]", "{type: Ni Ni, nr: [4]", V, 1, "species[1].nbody[0].nr", "nradbaseij = 3");
  yaml_case("{type: Al Al, nr: [1], nl: [0]", "{type: Al Al, nr: [1], nl: [2]", V, 1, "species[0].nbody[0].nl",
            "rank-1 function needs nl: [0]");
  yaml_case("nr: [1, 2], nl: [1, 1]", "nr: [1, 2], nl: [1, 0]", V, 1, "species[0].nbody[1].nl", "nl[0] = nl[1]");
  yaml_case("nr: [1, 1, 2], nl: [1, 1, 0]", "nr: [1, 1, 2], nl: [1, 0, 0]", V, 1, "species[0].nbody[2].nl",
            "sum of nl must be even");
  yaml_case("nr: [1, 1, 2], nl: [1, 1, 0]", "nr: [1, 1, 3], nl: [1, 1, 0]", V, 1, "species[0].nbody[2].nr",
            "nradmaxi = 2");
  yaml_case("nl: [1, 1, 1, 1], lint: [2]", "nl: [2, 2, 1, 1], lint: [2]", V, 1, "species[0].nbody[3].nl",
            "nl[0] = 2 is outside 0..lmaxi = 1");
  /* a binary block's functions fit the block's radial basis (Al Ni: nradmaxi 1), even where the Al-Al bond
   * of a leaf allows more (nradmaxi 2), and even when skipped -- as ML-PACE */
  yaml_case("{type: Al Al Ni, nr: [1, 1], nl: [1, 1], c: [4.5], skip: true}",
            "{type: Al Al Ni, nr: [2, 1], nl: [1, 1], c: [4.5], skip: true}", V, 1, "species[2].nbody[1].nr",
            "nr[0] = 2 is larger than nradmaxi = 1 of the block 'Al Ni'");
  yaml_case("nl: [1, 1, 1, 1], lint: [2]", "nl: [1, 1, 1, 1], lint: [2, 0]", V, 1, "species[0].nbody[3].lint",
            "lint[0] = lint[1]");
  yaml_case("nl: [1, 1, 1, 1], lint: [2]", "nl: [1, 1, 1, 1], lint: [3]", V, 1, "species[0].nbody[3].lint",
            "outside 0..2*lmaxi");
  yaml_case("nr: [1, 1, 2], nl: [1, 1, 0]", "nr: [1, 1, 2], nl: [1, 1, 0], lint: [1]", V, 1,
            "species[0].nbody[2].lint", "lint[0] = nl[2]");
  yaml_case("{type: Al Al, nr: [1]", "{type: Al Al, nr: [1], lint: [0]", V, 1, "species[0].nbody[0].lint",
            "only allowed for rank > 2");
  yaml_case("{type: Al Al, nr: [1], nl: [0]", "{type: Al Al, nr: [1, 1], nl: [0]", M, 1, "species[0].nbody[0].nr",
            "expected 1 values");
  yaml_case("{type: Ni Al Ni,", "{type: Ni Al Cu,", V, 1, "species[3].nbody[0].type", "'Cu'");
  yaml_case("skip: true}", "skip: maybe}", F, 1, "species[2].nbody[1].skip", "expected true or false");
  yaml_case("  - speciesblock: Ni Al\n",
            "  - speciesblock: Ni Al\n    nradmaxi: 1\n    lmaxi: 1\n    nradbaseij: 2\n    radbase: ChebPow\n"
            "    radparameters: [2.0]\n    radcoefficients: [[[1, 3], [2, 4]]]\n    rcutij: 6.5\n    dcutij: 0.01\n"
            "    r_in: 1.0\n    delta_in: 0.5\n", M, 1, "species[3]",
            "radial basis of 'Ni Al' differs from that of 'Al Ni' (line 41) in rcutij");
  yaml_case("  - speciesblock: Ni Al\n",
            "  - speciesblock: Ni Al\n    nradmaxi: 1\n    lmaxi: 1\n    nradbaseij: 2\n    radbase: ChebPow\n"
            "    radparameters: [2.0]\n    radcoefficients: [1, 2, 3, 5]\n    rcutij: 6.0\n    dcutij: 0.01\n"
            "    r_in: 1.0\n    delta_in: 0.5\n", M, 1, "species[3]", "in radcoefficients");
  /* core-repulsion in a block without radial basis is ML-PACE's: it must agree with the dual's */
  yaml_case("  - speciesblock: Ni Al\n", "  - speciesblock: Ni Al\n    core-repulsion: [1, 1]\n", M, 1, "species[3]",
            "core-repulsion of 'Ni Al' differs from that of 'Al Ni' (line 41)");
  yaml_case("  - speciesblock: Ni Al\n", "  - speciesblock: Ni Al\n    core-repulsion: [3, 1.5]\n    r_in: 2\n", M, 1,
            "species[3]", "inner cutoff of 'Ni Al' differs from that of 'Al Ni' (line 41) in r_in");
  /* no core-repulsion in either block: r_in is not copied with the radial basis (ML-PACE), so it must be repeated */
  yaml_case("    core-repulsion: [3, 1.5]\n", "", M, 0, "species[3]",
            "r_in of 'Ni Al' differs from that of 'Al Ni' (line 41); ML-PACE requires");
  yaml_case("    core-repulsion: [3, 1.5]\n", "    r_in: 1.0\n", F, 1, "species[2]", "duplicate key 'r_in'");
  /* what ML-PACE rejects by name or place */
  yaml_case("    lmaxi: 0\n", "", F, 0, "species[1].nradmaxi", "radial basis partially defined: 'nradmaxi' given without "
            "'lmaxi'");
  yaml_case("  - speciesblock: Ni Al\n", "  - speciesblock: Ni Al\n    radbase: ChebPow\n", F, 2,
            "species[3].radbase", "partially defined");
  yaml_case("    nradmaxi: 1\n    lmaxi: 1\n    nradbaseij: 2\n    radbase: ChebPow\n    radparameters: [2.0]\n"
            "    radcoefficients: [1, 2, 3, 4]\n", "", F, 0,
            "species[2]", "no radial basis for the pair Al-Ni: neither 'Al Ni' nor 'Ni Al' (line");
  yaml_case("{type: Ni Ni, nr: [3]", "{type: Ni Al, nr: [3]", M, 1, "species[1].nbody[0].type",
            "element 'Al' of 'Ni Al' is not one of the block's species 'Ni'");
  yaml_case("    core-repulsion: [10, 2]\n    inner_cutoff_type: distance\n", "    core-repulsion: [10, 2]\n", M, 0,
            "species[1]", "inner_cutoff_type 'density' of 'Ni' differs from 'distance' of 'Al' (line 5)");
  yaml_case("  - speciesblock: Ni Al\n", "  - speciesblock: Al\n", F, 1, "species[3].speciesblock",
            "duplicate speciesblock 'Al' (first at line 5)");
  yaml_case("radbase: ChebPow", "radbase: Gaussian", V, 1, "species[2].radbase", "unknown radial basis 'Gaussian'");
  yaml_case("npoti: FinnisSinclair\n", "npoti: Foo\n", V, 1, "species[0].npoti", "unknown embedding 'Foo'");
  yaml_case("parameters: [1.0, 1.0]", "parameters: [1.0, 1.0, 2.0]", M, 1, "species[0].parameters",
            "expected 2*ndensityi = 2 values");
  yaml_case("    delta_in: 0.5\n    inner_cutoff_type: distance", "    delta_in: 0.5\n    inner_cutoff_type: zbl", M, 2,
            "species[2]", "inner_cutoff_type 'zbl' of 'Al Ni' differs from 'distance' of 'Al' (line 5)");
  yaml_case("inner_cutoff_type: distance", "inner_cutoff_type: far", V, 1, "species[0].inner_cutoff_type",
            "unknown inner cutoff type 'far'");
  yaml_case("radcoefficients: [1, 2, 3]", "radcoefficients: [1, 2]", M, 1, "species[1].radcoefficients",
            "flat list has 2 values, expected nradmaxi*(lmaxi+1)*nradbaseij = 3");
  yaml_case("[[5, 6], [7, 8]]]", "[[5, 6], [7]]]", M, 1, "species[0].radcoefficients[1][1]",
            "expected 2 entries along k");
  yaml_case("[[5, 6], [7, 8]]]", "[[5, 6], [7, x]]]", F, 1, "species[0].radcoefficients[1][1][1]",
            "expected a number, got 'x'");
  yaml_case("    rcutij: 5.0\n", "    rcutij: 5.0\n    rcutij: 5.0\n", F, 2, "species[0]", "duplicate key 'rcutij'");
  { /* Ni appears only in two-species blocks: no embedding */
    const char *a = strstr(ace_test_yaml, "  - speciesblock: Ni\n"), *b = strstr(ace_test_yaml, "  - speciesblock: Al Ni\n");
    char *block = malloc((size_t)(b - a) + 1);
    memcpy(block, a, (size_t)(b - a));
    block[b - a] = '\0';
    yaml_case(block, "", F, 0, "species", "element Ni has no single-species block");
    free(block);
  }
  yaml_case("    ndensityi: 1\n", "\tndensityi: 1\n", F, 1, NULL, "YAML syntax error");
  yaml_case("species:\n", "species: [\n", F, 0, NULL, "YAML syntax error");

  /* whole-file failures */
  expect_error(ace_model_read_yaml_buffer, "t.yaml", "", F, 0, NULL, "empty file");
  expect_error(ace_model_read_yaml_buffer, "t.yaml", "# only a comment\n", F, 0, NULL, "empty file");
  expect_error(ace_model_read_yaml_buffer, "t.yaml", "hello world\n", F, 1, NULL, "expected a mapping, got 'hello world'");
  expect_error(ace_model_read_yaml_buffer, "t.yaml", "\x01\x02\xff\xfe binary", F, 0, NULL, "YAML syntax error");
  expect_error(ace_model_read_yaml_buffer, "t.yaml", "a: 1\n---\nb: 2\n", F, 3, NULL, "second YAML document");
  /* truncated inside a flow list: unterminated */
  size_t half = (size_t)(strstr(ace_test_yaml, "nr: [1, 2]") - ace_test_yaml) + 6;
  char *trunc = malloc(half + 1);
  memcpy(trunc, ace_test_yaml, half);
  trunc[half] = '\0';
  expect_error(ace_model_read_yaml_buffer, "t.yaml", trunc, F, 0, NULL, "YAML syntax error");
  free(trunc);

  /* files and dispatch by extension */
  ace_model *m = (ace_model *)1;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(ace_model_read("/nonexistent/x.yaml", &m, &err) == ACEUQ_ERR_IO && m == NULL);
  CHECK_STR_CONTAINS(err.message, "/nonexistent/x.yaml");
  CHECK(ace_model_read("/nonexistent/x.yace", &m, &err) == ACEUQ_ERR_IO);
  CHECK(ace_model_read("pot.ace", &m, &err) == ACEUQ_ERR_VALUE && m == NULL);
  CHECK_STR_CONTAINS(err.message, "pot.ace: unknown potential format");
}

static void valid_yace(void)
{
  ace_model *m = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(ace_model_read_yace_buffer(ace_test_yace, strlen(ace_test_yace), "t.yace", &m, &err) == ACEUQ_OK);
  if (!m) {
    fprintf(stderr, "valid yace rejected: %s\n", err.message);
    return;
  }
  CHECK(m->nelements == 2 && !strcmp(m->elements[1], "Ni") && m->E0[0] == -1.5 && m->E0[1] == 2.5);
  CHECK(m->delta_spline_bins == 0.002 && m->inner_cutoff_type == ACE_INNER_CUTOFF_DISTANCE);
  CHECK(m->bfuncs == NULL && m->nbfuncs == NULL);
  CHECK(m->embeddings[1].rho_core_cut == 5 && m->embeddings[1].drho_core_cut == 1 && m->embeddings[1].params[3] == 0.5);
  CHECK(m->bonds[0].crad[3] == 4 && m->bonds[1].r_in == 1 && m->bonds[1].delta_in == 0.5 && m->bonds[1].prehc == 1);
  CHECK(m->bonds[3].radbase == ACE_RADBASE_SBESSEL && m->bonds[3].r_in == 0 && m->bonds[3].crad[0] == 7);
  /* rank-1 moved before rank 2, otherwise file order */
  CHECK(m->nctilde[0] == 2 && m->nctilde[1] == 1);
  const ace_ctilde_func *f = m->ctilde[0];
  CHECK(f[0].rank == 1 && f[0].ns[0] == 2 && f[0].ctildes[0] == 1.25 && f[0].num_ms_combs == 1);
  CHECK(f[1].rank == 2 && f[1].num_ms_combs == 2 && f[1].ms_combs[2] == 1 && f[1].ms_combs[3] == -1);
  CHECK(f[1].ctildes[0] == -0.5 && f[1].ctildes[1] == 1.0 && f[1].ls[1] == 1);
  CHECK(m->ctilde[1][0].ndensity == 2 && m->ctilde[1][0].ctildes[1] == 2);
  CHECK(m->cutoffmax == 6 && m->rankmax == 2 && m->ndensitymax == 2 && m->nradbase == 2 && m->lmax == 1);
  ace_model_free(m);
}

static void malformed_yace(void)
{
  aceuq_status F = ACEUQ_ERR_FORMAT, V = ACEUQ_ERR_VALUE, M = ACEUQ_ERR_MISMATCH;
  yace_case("radbasename: SBessel", "radbasename: ACE.jl.Basic", V, 1, "bonds[1, 1].radbasename", "not supported");
  yace_case("radbasename: SBessel", "radbasename: Bessel", V, 1, "bonds[1, 1].radbasename", "unknown radial basis");
  yace_case("deltaSplineBins: 0.002\n", "", F, 0, NULL, "missing required key 'deltaSplineBins'");
  yace_case("deltaSplineBins: 0.002", "deltaSplineBins: 0", V, 1, "deltaSplineBins", "must be > 0");
  yace_case("E0: [-1.5, 2.5]", "E0: [-1.5]", M, 1, "E0", "expected 2 values");
  yace_case("elements: [Al, Ni]", "elements: [Al, Al]", V, 1, "elements[1]", "listed twice");
  yace_case("ms_combs: [0, 0, 1, -1]", "ms_combs: [0, 0, 1]", M, 1, "functions.0[0].ms_combs",
            "expected num_ms_combs*rank = 4 values, got 3");
  yace_case("ms_combs: [0, 0, 1, -1]", "ms_combs: [0, 0, 1, 0]", V, 1, "functions.0[0].ms_combs",
            "tuple 1: the m values do not sum to 0");
  yace_case("ms_combs: [0, 0, 1, -1]", "ms_combs: [0, 0, 2, -2]", V, 1, "functions.0[0].ms_combs", "outside -l..l");
  yace_case("ctildes: [-0.5, 1.0]", "ctildes: [-0.5]", M, 1, "functions.0[0].ctildes", "expected num_ms_combs*ndensity = 2");
  yace_case("{mu0: 1, rank: 1, ndensity: 2", "{mu0: 1, rank: 1, ndensity: 1", M, 1, "functions.1[0]",
            "ndensity = 1 but the embedding of species 1 has 2");
  yace_case("{mu0: 1, rank: 1", "{mu0: 0, rank: 1", M, 1, "functions.1[0]", "listed under species 1");
  yace_case("rank: 2, ndensity: 1, num_ms_combs: 2, mus: [0, 0], ns: [1, 1]",
            "rank: 2, ndensity: 1, num_ms_combs: 2, mus: [0, 0], ns: [1, 2]", V, 1, "functions.0[0]", "ns[1] = 2");
  yace_case("  [1, 1]: {", "  [1, 5]: {", V, 1, "bonds", "species index 5 is outside 0..1");
  yace_case("  [1, 1]: {", "  [1, 0]: {", F, 1, "bonds[1, 0]", "duplicate bond");
  yace_case("  1: {ndensity: 2", "  0: {ndensity: 2", F, 1, "embeddings", "duplicate key '0'");
  yace_case("npoti: FinnisSinclair,", "npoti: FS,", V, 1, "embeddings.0", "unknown npoti 'FS'");
  yace_case("radcoefficients: [[[1, 2], [3, 4]]]", "radcoefficients: [[[1, 2], [3]]]", M, 1,
            "bonds[0, 0].radcoefficients[0][1]", "expected 2 entries along k");
  yace_case("nradmax: 1, lmax: 1", "nradmax: one, lmax: 1", F, 1, "bonds[0, 0].nradmax", "expected an integer, got 'one'");
  expect_error(ace_model_read_yace_buffer, "t.yace", "", F, 0, NULL, "empty file");
  expect_error(ace_model_read_yace_buffer, "t.yace", "[1, 2]", F, 1, NULL, "expected a mapping, got a list");
}

/* ML-PACE ignores unknown keys and takes the inner cutoff type of the last bond */
static void ignored_keys_yace(void)
{
  const char *none[] = {NULL};
  ace_model_free(expect_notes(ace_model_read_yace_buffer, ace_test_yace, "", "", none));
  const char *extra[] = {"functions.0[1]: unknown key 'extra' ignored", "t.yace:1: unknown key 'metadata' ignored",
                         "embeddings.0: unknown key 'note' ignored", "bonds[0, 0]: unknown key 'x' ignored", NULL};
  char *t = ace_test_variant(ace_test_yace, "ms_combs: [0], ctildes: [1.25]}", "ms_combs: [0], ctildes: [1.25], extra: 1}",
                             NULL);
  char *u = ace_test_variant(t, "elements: [Al, Ni]\n", "metadata: {a: b}\nelements: [Al, Ni]\n", NULL);
  char *v = ace_test_variant(u, "npoti: FinnisSinclair,", "npoti: FinnisSinclair, note: hi,", NULL);
  ace_model_free(expect_notes(ace_model_read_yace_buffer, v, "inner_cutoff_type: distance}",
                              "inner_cutoff_type: distance, x: 1}", extra));
  free(t);
  free(u);
  free(v);
  const char *zbl[] = {"bonds[0, 0].inner_cutoff_type 'distance' ignored: ML-PACE uses the type of the last bond "
                       "[1, 1] for all bonds: 'zbl'", "bonds[0, 1].inner_cutoff_type", NULL};
  ace_model *m = expect_notes(ace_model_read_yace_buffer, ace_test_yace, "rcut: 4.5, dcut: 0.02, inner_cutoff_type: distance}",
                              "rcut: 4.5, dcut: 0.02, inner_cutoff_type: zbl}", zbl);
  if (m) {
    CHECK(m->inner_cutoff_type == ACE_INNER_CUTOFF_ZBL);
    ace_model_free(m);
  }
}

int main(void)
{
  valid_yaml();
  pacemaker_keys_yaml();
  malformed_yaml();
  valid_yace();
  ignored_keys_yace();
  malformed_yace();
  return check_summary("test_ace_malformed");
}
