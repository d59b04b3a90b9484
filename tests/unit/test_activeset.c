/* Unit tests: D-optimality active sets (pacemaker .asi = .npz archive with one
 * float64 matrix "<El>.npy" per element) and extrapolation grades.
 *
 *  - writer -> reader round trips (bit-identical matrices, linear and
 *    non-linear kinds, member order independent of the potential's order),
 *    deflated archives written here with libzip;
 *  - every malformed archive gives an error whose message starts with the
 *    file name and names the problem; truncations at every length and a short
 *    fixed-seed fuzz give clean errors, never a crash;
 *  - aceuq_dopt_grade_batch against a brute-force double loop across the
 *    workspace's dgemm chunk boundaries, the round-off scale, NaN rows, and
 *    the meaning of the grade: with Ainv = M^-1 the rows of M (the active
 *    set) have gamma = 1 exactly, combinations inside it gamma <= 1.
 *
 * The potential is the 2-element test potential of ace_test_inputs.h
 * (Al: 1 density, K = 5; Ni: 2 densities, K = 2, K*P = 4), and a variant in
 * which Al has 2 densities too (so a mix of kinds is detectable). */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include "aceuq.h"
#include "ace_test_inputs.h"
#include "check.h"
#include "npz_internal.h"
#include "scratch_dir.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <zip.h>

static double *random_matrix(size_t n)
{
  double *a = malloc((n ? n : 1) * sizeof *a);
  for (size_t i = 0; i < n; ++i) a[i] = (2 * check_uniform() - 1) * pow(10.0, floor(6 * check_uniform()) - 3);
  if (n > 0) a[0] = -0.0;
  if (n > 1) a[1] = 4.9406564584124654e-324;
  if (n > 2) a[2] = 1.7976931348623157e308;
  return a;
}

/* ---- potentials ---------------------------------------------------------- */

/* the test potential with 2 densities for Al as well */
static char *yaml_al_two_densities(void)
{
  static const char *const rep[][2] = {
    {"    ndensityi: 1\n    npoti: FinnisSinclair\n    parameters: [1.0, 1.0]\n",
     "    ndensityi: 2\n    npoti: FinnisSinclairShiftedScaled\n    parameters: [1, 1, 1, 0.5]\n"},
    {"c: [1.5]}", "c: [1.5, 0.5]}"}, {"c: 2.5}", "c: [2.5, 1]}"}, {"c: [0.5]}", "c: [0.5, 0.5]}"},
    {"c: [0.25]}", "c: [0.25, 1]}"}, {"c: 3.5}", "c: [3.5, 1]}"}, {"c: [4.5],", "c: [4.5, 1],"}};
  char *t = NULL;
  for (size_t i = 0; i < sizeof rep / sizeof rep[0]; ++i) {
    char *u = ace_test_variant(t ? t : ace_test_yaml, rep[i][0], rep[i][1], NULL);
    free(t);
    t = u;
  }
  return t;
}

static size_t psize(const aceuq_potential *pot, const char *el, aceuq_projection_kind kind)
{
  return aceuq_potential_projection_size(pot, aceuq_potential_element_index(pot, el), kind);
}

/* ---- archives -------------------------------------------------------------- */

typedef struct member {
  const char *name;
  unsigned char *bytes; /* malloc'ed */
  size_t size;
  zip_int32_t method; /* ZIP_CM_STORE or ZIP_CM_DEFLATE */
} member;

static member npy_member(const char *name, const double *data, size_t rows, size_t cols, zip_int32_t method)
{
  member m = {name, NULL, 0, method};
  aceuq_error err;
  aceuq_error_clear(&err);
  if (aceuq_npy_encode(data, rows, cols, name, &m.bytes, &m.size, &err) != ACEUQ_OK) {
    fprintf(stderr, "test setup: %s\n", err.message);
    exit(2);
  }
  return m;
}

/* a hand-made .npy (format 1.0): header dict text, then nvalues raw bytes of v */
static member raw_npy_member(const char *name, const char *dict, const void *v, size_t nbytes)
{
  size_t dl = strlen(dict), hlen = (10 + dl + 1 + 63) / 64 * 64 - 10;
  member m = {name, malloc(10 + hlen + nbytes + 1), 10 + hlen + nbytes, ZIP_CM_STORE};
  memcpy(m.bytes, "\x93NUMPY\x01\x00", 8);
  m.bytes[8] = (unsigned char)(hlen & 0xff);
  m.bytes[9] = (unsigned char)(hlen >> 8);
  memcpy(m.bytes + 10, dict, dl);
  memset(m.bytes + 10 + dl, ' ', hlen - dl - 1);
  m.bytes[10 + hlen - 1] = '\n';
  if (nbytes) memcpy(m.bytes + 10 + hlen, v, nbytes);
  return m;
}

/* write the members with libzip (frees their bytes); 0 on success */
static int write_zip(const char *path, size_t count, member *m)
{
  int zerr = 0, rc = 0;
  zip_t *za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  if (!za) rc = -1;
  for (size_t i = 0; !rc && i < count; ++i) {
    zip_source_t *src = zip_source_buffer(za, m[i].bytes, m[i].size, 0);
    zip_int64_t idx = src ? zip_file_add(za, m[i].name, src, ZIP_FL_ENC_UTF_8) : -1;
    if (idx < 0) {
      zip_source_free(src);
      rc = -1;
    } else if (zip_set_file_compression(za, (zip_uint64_t)idx, m[i].method, 9) != 0) {
      rc = -1;
    }
  }
  if (za && !rc && zip_close(za) != 0) rc = -1;
  if (za && rc) zip_discard(za);
  for (size_t i = 0; i < count; ++i) free(m[i].bytes);
  return rc;
}

/* members of an archive: name and compression method, from libzip */
static int zip_member_info(const char *path, zip_uint64_t index, char *name, size_t nsize, zip_uint16_t *method,
                           zip_uint64_t *size, zip_uint64_t *comp_size)
{
  int zerr = 0;
  zip_t *za = zip_open(path, ZIP_RDONLY, &zerr);
  if (!za) return -1;
  zip_stat_t st;
  zip_stat_init(&st);
  int rc = zip_stat_index(za, index, 0, &st);
  if (!rc) {
    snprintf(name, nsize, "%s", st.name);
    *method = st.comp_method;
    *size = st.size;
    *comp_size = st.comp_size;
  }
  zip_discard(za);
  return rc;
}

/* writer: the given keys (in that order) with matrices n x n */
static aceuq_status write_asi(const char *path, size_t count, const char *const *keys, double *const *mats,
                              const size_t *n)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_status st = aceuq_npz_write_file(path, count, keys, (const double *const *)mats, n, n, &err);
  if (st) fprintf(stderr, "  writer failed: %s\n", err.message);
  return st;
}

/* the load must fail with code; the message starts with the file name and
 * contains both problem strings (either may be NULL) */
static void expect_load_error(const char *path, const aceuq_potential *pot, aceuq_status code, const char *problem,
                              const char *problem2)
{
  aceuq_activeset *as = (aceuq_activeset *)1;
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_status st = aceuq_activeset_load(path, pot, &as, &err);
  CHECK(st == code);
  CHECK(err.code == st);
  CHECK(as == NULL);
  CHECK(strncmp(err.message, path, strlen(path)) == 0);
  if (problem) CHECK_STR_CONTAINS(err.message, problem);
  if (problem2) CHECK_STR_CONTAINS(err.message, problem2);
  if (st != code) fprintf(stderr, "  (expected status %d, got %d: %s)\n", (int)code, (int)st, err.message);
  if (st == ACEUQ_OK) aceuq_activeset_free(as);
}

/* ---- 1. writer -> reader round trips ------------------------------------ */

/* write random matrices of the sizes of `kind` for every element of pot
 * (in reversed member order if asked), load, compare bit for bit */
static void round_trip(const aceuq_potential *pot, const char *name, aceuq_projection_kind kind,
                       aceuq_projection_kind expect_kind, int reversed)
{
  const int nel = aceuq_potential_num_elements(pot);
  size_t n[2], nm[2];
  double *a[2], *am[2];
  const char *keys[2];
  for (int mu = 0; mu < nel; ++mu) {
    n[mu] = aceuq_potential_projection_size(pot, mu, kind);
    a[mu] = random_matrix(n[mu] * n[mu]);
    int i = reversed ? nel - 1 - mu : mu;
    keys[i] = aceuq_potential_element(pot, mu);
    am[i] = a[mu];
    nm[i] = n[mu];
  }
  const char *path = tpath(name);
  CHECK(write_asi(path, (size_t)nel, keys, am, nm) == ACEUQ_OK);
  /* what np.savez writes: stored members "<El>.npy", no temporary file left */
  char tmp[600], member_name[64];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  CHECK(access(tmp, F_OK) != 0);
  zip_uint16_t method = 99;
  zip_uint64_t size = 0, comp_size = 1;
  CHECK(zip_member_info(path, 0, member_name, sizeof member_name, &method, &size, &comp_size) == 0);
  char expect_name[64];
  snprintf(expect_name, sizeof expect_name, "%s.npy", keys[0]);
  CHECK(!strcmp(member_name, expect_name) && method == ZIP_CM_STORE && size == comp_size);
  CHECK(size == 128 + 8 * nm[0] * nm[0]);

  aceuq_activeset *as = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_activeset_load(path, pot, &as, &err) == ACEUQ_OK);
  if (!as) {
    fprintf(stderr, "  round trip %s: %s\n", name, err.message);
  } else {
    CHECK(aceuq_activeset_kind(as) == expect_kind);
    for (int mu = 0; mu < nel; ++mu) {
      CHECK(aceuq_activeset_size(as, mu) == n[mu]);
      CHECK(aceuq_activeset_matrix(as, mu) && !memcmp(aceuq_activeset_matrix(as, mu), a[mu], n[mu] * n[mu] * 8));
    }
    CHECK(aceuq_activeset_size(as, nel) == 0 && aceuq_activeset_size(as, -1) == 0);
    CHECK(aceuq_activeset_matrix(as, nel) == NULL && aceuq_activeset_matrix(as, -1) == NULL);
  }
  aceuq_activeset_free(as);
  for (int mu = 0; mu < nel; ++mu) free(a[mu]);
}

static void test_round_trips(const aceuq_potential *pot, const aceuq_potential *pot2)
{
  /* the premises: Al has 1 density (both kinds 5 x 5), Ni 2 (2 x 2 or 4 x 4) */
  CHECK(psize(pot, "Al", ACEUQ_PROJECTIONS_LINEAR) == 5 && psize(pot, "Al", ACEUQ_PROJECTIONS_NONLINEAR) == 5);
  CHECK(psize(pot, "Ni", ACEUQ_PROJECTIONS_LINEAR) == 2 && psize(pot, "Ni", ACEUQ_PROJECTIONS_NONLINEAR) == 4);
  CHECK(psize(pot2, "Al", ACEUQ_PROJECTIONS_LINEAR) == 5 && psize(pot2, "Al", ACEUQ_PROJECTIONS_NONLINEAR) == 10);
  round_trip(pot, "lin.asi", ACEUQ_PROJECTIONS_LINEAR, ACEUQ_PROJECTIONS_LINEAR, 0);
  round_trip(pot, "lin_rev.asi", ACEUQ_PROJECTIONS_LINEAR, ACEUQ_PROJECTIONS_LINEAR, 1);
  /* Al 5 x 5 fits both kinds, Ni 4 x 4 decides: non-linear */
  round_trip(pot, "nonlin.asi", ACEUQ_PROJECTIONS_NONLINEAR, ACEUQ_PROJECTIONS_NONLINEAR, 0);
  round_trip(pot, "nonlin_rev.asi", ACEUQ_PROJECTIONS_NONLINEAR, ACEUQ_PROJECTIONS_NONLINEAR, 1);
  round_trip(pot2, "lin2.asi", ACEUQ_PROJECTIONS_LINEAR, ACEUQ_PROJECTIONS_LINEAR, 0);
  round_trip(pot2, "nonlin2.asi", ACEUQ_PROJECTIONS_NONLINEAR, ACEUQ_PROJECTIONS_NONLINEAR, 1);

  /* the writer replaces an existing file */
  double one[4] = {1, 0, 0, 1}, *mats[2] = {one, one};
  size_t n1[2] = {1, 2};
  const char *keys[2] = {"Al", "Ni"};
  CHECK(write_asi(tpath("lin.asi"), 2, keys, mats, n1) == ACEUQ_OK);
  expect_load_error(tpath("lin.asi"), pot, ACEUQ_ERR_MISMATCH, "element Al: the matrix is 1 x 1", NULL);

  /* writer errors name the file */
  aceuq_error err;
  aceuq_error_clear(&err);
  const char *bad = "/nonexistent_aceuq_dir/x.asi";
  CHECK(aceuq_npz_write_file(bad, 1, keys, (const double *const *)mats, n1, n1, &err) == ACEUQ_ERR_IO);
  CHECK(!strncmp(err.message, bad, strlen(bad)));
  CHECK_STR_CONTAINS(err.message, "No such file or directory");
  char longkey[300];
  memset(longkey, 'A', sizeof longkey - 1);
  longkey[sizeof longkey - 1] = '\0';
  const char *longkeys[1] = {longkey};
  const char *path = tpath("longkey.asi");
  CHECK(aceuq_npz_write_file(path, 1, longkeys, (const double *const *)mats, n1, n1, &err) == ACEUQ_ERR_VALUE);
  CHECK(!strncmp(err.message, path, strlen(path)));
  CHECK_STR_CONTAINS(err.message, "is too long");
  char tmp[600];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  CHECK(access(path, F_OK) != 0 && access(tmp, F_OK) != 0);
  /* libzip cannot write an archive without members: a clear error, not a failed rename */
  path = tpath("no_members.asi");
  CHECK(aceuq_npz_write_file(path, 0, keys, (const double *const *)mats, n1, n1, &err) == ACEUQ_ERR_VALUE);
  CHECK(!strncmp(err.message, path, strlen(path)));
  CHECK_STR_CONTAINS(err.message, "needs at least one member");
}

/* ---- 2. deflated archives (np.savez_compressed) --------------------------- */

static void test_compressed(const aceuq_potential *pot)
{
  size_t nal = psize(pot, "Al", ACEUQ_PROJECTIONS_NONLINEAR), nni = psize(pot, "Ni", ACEUQ_PROJECTIONS_NONLINEAR);
  double *al = random_matrix(nal * nal), *ni = random_matrix(nni * nni);
  const char *path = tpath("deflated.asi");
  member m[2] = {npy_member("Ni.npy", ni, nni, nni, ZIP_CM_DEFLATE),
                 npy_member("Al.npy", al, nal, nal, ZIP_CM_DEFLATE)};
  CHECK(write_zip(path, 2, m) == 0);
  char name[64];
  zip_uint16_t method = 0;
  zip_uint64_t size = 0, comp_size = 0;
  CHECK(zip_member_info(path, 1, name, sizeof name, &method, &size, &comp_size) == 0);
  CHECK(!strcmp(name, "Al.npy") && method == ZIP_CM_DEFLATE && comp_size < size);

  aceuq_activeset *as = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_activeset_load(path, pot, &as, &err) == ACEUQ_OK);
  if (!as) {
    fprintf(stderr, "  deflated: %s\n", err.message);
  } else {
    int mal = aceuq_potential_element_index(pot, "Al"), mni = aceuq_potential_element_index(pot, "Ni");
    CHECK(aceuq_activeset_kind(as) == ACEUQ_PROJECTIONS_NONLINEAR);
    CHECK(aceuq_activeset_size(as, mal) == nal && aceuq_activeset_size(as, mni) == nni);
    CHECK(!memcmp(aceuq_activeset_matrix(as, mal), al, nal * nal * 8));
    CHECK(!memcmp(aceuq_activeset_matrix(as, mni), ni, nni * nni * 8));
  }
  aceuq_activeset_free(as);

  /* one member stored, one deflated */
  path = tpath("mixed_methods.asi");
  m[0] = npy_member("Al.npy", al, nal, nal, ZIP_CM_STORE);
  m[1] = npy_member("Ni.npy", ni, nni, nni, ZIP_CM_DEFLATE);
  CHECK(write_zip(path, 2, m) == 0);
  CHECK(aceuq_activeset_load(path, pot, &as, &err) == ACEUQ_OK);
  CHECK(as && !memcmp(aceuq_activeset_matrix(as, aceuq_potential_element_index(pot, "Ni")), ni, nni * nni * 8));
  aceuq_activeset_free(as);

  /* deflated data corrupted in the middle: an error, naming the member */
  size_t fsize;
  unsigned char *bytes = read_bytes(tpath("deflated.asi"), &fsize);
  bytes[30 + 6 + 20] ^= 0x55; /* inside the first member's compressed data */
  path = tpath("deflated_bad.asi");
  write_bytes(path, bytes, fsize);
  free(bytes);
  aceuq_activeset *bad = (aceuq_activeset *)1;
  aceuq_status st = aceuq_activeset_load(path, pot, &bad, &err);
  CHECK(st == ACEUQ_ERR_IO || st == ACEUQ_ERR_FORMAT);
  CHECK(bad == NULL);
  CHECK(!strncmp(err.message, path, strlen(path)));
  CHECK_STR_CONTAINS(err.message, "Ni.npy");
  free(al);
  free(ni);
}

/* ---- 3. malformed archives -------------------------------------------------- */

static void test_errors(const aceuq_potential *pot, const aceuq_potential *pot2)
{
  double *al = random_matrix(25), *ni2 = random_matrix(4), *ni3 = random_matrix(9), *ni4 = random_matrix(16);
  double *al10 = random_matrix(100);
  const char *path;
  member m[3];

  /* unknown element */
  path = tpath("unknown.asi");
  m[0] = npy_member("Al.npy", al, 5, 5, ZIP_CM_STORE);
  m[1] = npy_member("Xx.npy", ni2, 2, 2, ZIP_CM_STORE);
  m[2] = npy_member("Ni.npy", ni2, 2, 2, ZIP_CM_STORE);
  CHECK(write_zip(path, 3, m) == 0);
  expect_load_error(path, pot, ACEUQ_ERR_MISMATCH, "member 'Xx.npy': 'Xx' is not an element of the potential",
                    "(elements: Al Ni)");

  /* missing element */
  path = tpath("missing.asi");
  m[0] = npy_member("Al.npy", al, 5, 5, ZIP_CM_STORE);
  CHECK(write_zip(path, 1, m) == 0);
  expect_load_error(path, pot, ACEUQ_ERR_MISMATCH, "no matrix for element Ni (member 'Ni.npy')", NULL);

  /* size neither K nor K*P */
  path = tpath("wrong_size.asi");
  m[0] = npy_member("Al.npy", al, 5, 5, ZIP_CM_STORE);
  m[1] = npy_member("Ni.npy", ni3, 3, 3, ZIP_CM_STORE);
  CHECK(write_zip(path, 2, m) == 0);
  expect_load_error(path, pot, ACEUQ_ERR_MISMATCH, "element Ni: the matrix is 3 x 3",
                    "expected 2 x 2 (linear) or 4 x 4 (non-linear, 2 densities)");
  path = tpath("wrong_size_al.asi");
  m[0] = npy_member("Al.npy", al10, 10, 10, ZIP_CM_STORE); /* right for pot2, not for pot */
  m[1] = npy_member("Ni.npy", ni4, 4, 4, ZIP_CM_STORE);
  CHECK(write_zip(path, 2, m) == 0);
  expect_load_error(path, pot, ACEUQ_ERR_MISMATCH, "element Al: the matrix is 10 x 10", "another potential");

  /* not square */
  path = tpath("not_square.asi");
  m[0] = npy_member("Al.npy", al, 5, 5, ZIP_CM_STORE);
  m[1] = npy_member("Ni.npy", ni4, 2, 8, ZIP_CM_STORE);
  CHECK(write_zip(path, 2, m) == 0);
  expect_load_error(path, pot, ACEUQ_ERR_FORMAT, "element Ni: the matrix is 2 x 8", "expected a square matrix");

  /* 1-D array (4 values, or 1 value where a 1 x 1 matrix would not fit either) */
  path = tpath("one_d.asi");
  m[0] = npy_member("Al.npy", al, 5, 5, ZIP_CM_STORE);
  m[1] = raw_npy_member("Ni.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", ni4, 32);
  CHECK(write_zip(path, 2, m) == 0);
  expect_load_error(path, pot, ACEUQ_ERR_FORMAT, "element Ni: the matrix is 1-D", "expected a square matrix");

  /* float32 member */
  path = tpath("float32.asi");
  float f32[4] = {1, 2, 3, 4};
  m[0] = npy_member("Al.npy", al, 5, 5, ZIP_CM_STORE);
  m[1] = raw_npy_member("Ni.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", f32, 16);
  CHECK(write_zip(path, 2, m) == 0);
  expect_load_error(path, pot, ACEUQ_ERR_FORMAT, "member 'Ni.npy'", "'<f4' (float32) is not supported");

  /* Fortran order */
  path = tpath("fortran.asi");
  m[0] = raw_npy_member("Al.npy", "{'descr': '<f8', 'fortran_order': True, 'shape': (5, 5), }", al, 200);
  m[1] = npy_member("Ni.npy", ni2, 2, 2, ZIP_CM_STORE);
  CHECK(write_zip(path, 2, m) == 0);
  expect_load_error(path, pot, ACEUQ_ERR_FORMAT, "member 'Al.npy'", "Fortran order");

  /* a member whose .npy data is truncated (the zip itself is fine) */
  path = tpath("short_npy.asi");
  m[0] = npy_member("Al.npy", al, 5, 5, ZIP_CM_STORE);
  m[1] = npy_member("Ni.npy", ni2, 2, 2, ZIP_CM_STORE);
  m[1].size -= 8;
  CHECK(write_zip(path, 2, m) == 0);
  expect_load_error(path, pot, ACEUQ_ERR_IO, "member 'Ni.npy'", "truncated .npy file");

  /* members not named <key>.npy */
  static const char *const bad_names[] = {"Ni.txt", "Ni", ".npy", "sub/Ni.npy", "Ni.npy.gz"};
  for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; ++i) {
    char msg[128];
    path = tpath("bad_name.asi");
    m[0] = npy_member("Al.npy", al, 5, 5, ZIP_CM_STORE);
    m[1] = npy_member(bad_names[i], ni2, 2, 2, ZIP_CM_STORE);
    CHECK(write_zip(path, 2, m) == 0);
    snprintf(msg, sizeof msg, "member '%s' is not a .npy array", bad_names[i]);
    expect_load_error(path, pot, ACEUQ_ERR_FORMAT, msg, "expected '<key>.npy'");
  }

  /* duplicate member name: libzip refuses to write one, so write "Al.npy" and
   * "Xl.npy" and rename the second in its local header and in the central
   * directory (same length, no checksum over names) */
  path = tpath("duplicate.asi");
  m[0] = npy_member("Al.npy", al, 5, 5, ZIP_CM_STORE);
  m[1] = npy_member("Xl.npy", al, 5, 5, ZIP_CM_STORE);
  m[2] = npy_member("Ni.npy", ni2, 2, 2, ZIP_CM_STORE);
  CHECK(write_zip(path, 3, m) == 0);
  {
    size_t size, renamed = 0;
    unsigned char *b = read_bytes(path, &size);
    for (size_t i = 0; i + 6 <= size; ++i)
      if (!memcmp(b + i, "Xl.npy", 6)) {
        b[i] = 'A';
        ++renamed;
      }
    CHECK(renamed == 2);
    write_bytes(path, b, size);
    free(b);
  }
  expect_load_error(path, pot, ACEUQ_ERR_FORMAT, "cannot open as .npz (zip) archive",
                    "two members have the same name");

  /* non-finite entries */
  path = tpath("nan.asi");
  double ni_bad[4] = {1, 2, NAN, 4};
  m[0] = npy_member("Al.npy", al, 5, 5, ZIP_CM_STORE);
  m[1] = npy_member("Ni.npy", ni_bad, 2, 2, ZIP_CM_STORE);
  CHECK(write_zip(path, 2, m) == 0);
  expect_load_error(path, pot, ACEUQ_ERR_VALUE, "element Ni: entry (1, 0) is not finite", "nan");
  path = tpath("inf.asi");
  ni_bad[2] = 3;
  ni_bad[1] = -INFINITY;
  m[0] = npy_member("Al.npy", al, 5, 5, ZIP_CM_STORE);
  m[1] = npy_member("Ni.npy", ni_bad, 2, 2, ZIP_CM_STORE);
  CHECK(write_zip(path, 2, m) == 0);
  expect_load_error(path, pot, ACEUQ_ERR_VALUE, "element Ni: entry (0, 1) is not finite", "inf");

  /* linear for Al, non-linear for Ni: only detectable when both have P > 1 */
  path = tpath("mixed_kinds.asi");
  m[0] = npy_member("Al.npy", al, 5, 5, ZIP_CM_STORE);
  m[1] = npy_member("Ni.npy", ni4, 4, 4, ZIP_CM_STORE);
  CHECK(write_zip(path, 2, m) == 0);
  expect_load_error(path, pot2, ACEUQ_ERR_MISMATCH, "mix linear and non-linear sizes", "must be of one kind");
  path = tpath("mixed_kinds2.asi");
  m[0] = npy_member("Al.npy", al10, 10, 10, ZIP_CM_STORE);
  m[1] = npy_member("Ni.npy", ni2, 2, 2, ZIP_CM_STORE);
  CHECK(write_zip(path, 2, m) == 0);
  expect_load_error(path, pot2, ACEUQ_ERR_MISMATCH, "mix linear and non-linear sizes", "must be of one kind");
  /* ... while for the potential with one density for Al, Al 5 x 5 + Ni 4 x 4 is a valid non-linear set */
  aceuq_activeset *as = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_activeset_load(tpath("mixed_kinds.asi"), pot, &as, &err) == ACEUQ_OK);
  CHECK(aceuq_activeset_kind(as) == ACEUQ_PROJECTIONS_NONLINEAR);
  aceuq_activeset_free(as);

  /* empty archive: just the end-of-central-directory record */
  path = tpath("empty.asi");
  unsigned char eocd[22] = {'P', 'K', 5, 6};
  write_bytes(path, eocd, sizeof eocd);
  expect_load_error(path, pot, ACEUQ_ERR_FORMAT, "the .npz archive has no members", NULL);
  /* an empty file */
  path = tpath("empty_file.asi");
  write_bytes(path, "", 0);
  as = (aceuq_activeset *)1;
  aceuq_status st = aceuq_activeset_load(path, pot, &as, &err);
  CHECK(st == ACEUQ_ERR_FORMAT && as == NULL && !strncmp(err.message, path, strlen(path)));

  /* not a zip archive */
  path = tpath("text.asi");
  const char *text = "Al: [[1, 0], [0, 1]]\nNi: [[1]]\n";
  write_bytes(path, text, strlen(text));
  expect_load_error(path, pot, ACEUQ_ERR_FORMAT, "cannot open as .npz (zip) archive", "Not a zip archive");
  /* a lone .npy file */
  path = tpath("lone.npy");
  CHECK(aceuq_npy_write_file(path, ni2, 2, 2, &err) == ACEUQ_OK);
  expect_load_error(path, pot, ACEUQ_ERR_FORMAT, "cannot open as .npz (zip) archive", "Not a zip archive");

  /* nonexistent file, a directory */
  path = tpath("no_such_file.asi");
  expect_load_error(path, pot, ACEUQ_ERR_IO, "cannot open as .npz (zip) archive", "No such file");
  as = (aceuq_activeset *)1;
  st = aceuq_activeset_load(tmpdir, pot, &as, &err);
  CHECK(st != ACEUQ_OK && as == NULL && !strncmp(err.message, tmpdir, strlen(tmpdir)));

  /* a stored member whose data does not match its CRC */
  path = tpath("crc.asi");
  m[0] = npy_member("Al.npy", al, 5, 5, ZIP_CM_STORE);
  m[1] = npy_member("Ni.npy", ni2, 2, 2, ZIP_CM_STORE);
  CHECK(write_zip(path, 2, m) == 0);
  {
    size_t size;
    unsigned char *b = read_bytes(path, &size);
    b[30 + 6 + 128 + 17] ^= 0x01; /* a data byte of Al.npy */
    write_bytes(path, b, size);
    free(b);
  }
  expect_load_error(path, pot, ACEUQ_ERR_IO, "Al.npy: CRC error", NULL);

  /* bad arguments */
  CHECK(aceuq_activeset_load(tpath("lin.asi"), pot, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK(aceuq_activeset_load(NULL, pot, &as, &err) == ACEUQ_ERR_VALUE && as == NULL);
  CHECK(aceuq_activeset_load(tpath("lin.asi"), NULL, &as, &err) == ACEUQ_ERR_VALUE && as == NULL);
  CHECK(aceuq_activeset_kind(NULL) == ACEUQ_PROJECTIONS_NONE && aceuq_activeset_size(NULL, 0) == 0);
  CHECK(aceuq_activeset_matrix(NULL, 0) == NULL);
  aceuq_activeset_free(NULL);

  free(al);
  free(ni2);
  free(ni3);
  free(ni4);
  free(al10);
}

/* ---- 4. truncations and fuzz ---------------------------------------------- */

/* load that must not crash: on success the set must be valid for pot, on
 * failure the message must start with the path and say something.
 * Returns 1 on success, 0 on a (clean) failure, -1 on a bad outcome. */
static int robust_load(const char *path, const aceuq_potential *pot)
{
  aceuq_activeset *as = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_status st = aceuq_activeset_load(path, pot, &as, &err);
  if (st != ACEUQ_OK) {
    size_t pl = strlen(path);
    int ok = as == NULL && err.code == st && !strncmp(err.message, path, pl) && strlen(err.message) > pl + 4;
    if (!ok) fprintf(stderr, "  bad failure (status %d): '%s'\n", (int)st, err.message);
    return ok ? 0 : -1;
  }
  int ok = as != NULL;
  aceuq_projection_kind kind = aceuq_activeset_kind(as);
  ok = ok && (kind == ACEUQ_PROJECTIONS_LINEAR || kind == ACEUQ_PROJECTIONS_NONLINEAR);
  for (int mu = 0; ok && mu < aceuq_potential_num_elements(pot); ++mu) {
    size_t n = aceuq_activeset_size(as, mu);
    const double *a = aceuq_activeset_matrix(as, mu);
    ok = n == aceuq_potential_projection_size(pot, mu, kind) && a != NULL;
    for (size_t i = 0; ok && i < n * n; ++i) ok = isfinite(a[i]);
  }
  if (!ok) fprintf(stderr, "  a load succeeded with an invalid active set\n");
  aceuq_activeset_free(as);
  return ok ? 1 : -1;
}

/* every prefix of a valid archive is an error */
static void truncations(const char *valid, const aceuq_potential *pot)
{
  size_t size;
  unsigned char *b = read_bytes(valid, &size);
  const char *path = tpath("truncated.asi");
  size_t bad = 0;
  for (size_t len = 0; len < size; ++len) {
    write_bytes(path, b, len);
    if (robust_load(path, pot) != 0) {
      if (++bad < 5) fprintf(stderr, "  %s truncated to %zu of %zu bytes: not a clean error\n", valid, len, size);
    }
  }
  CHECK(bad == 0);
  CHECK(size > 100);
  free(b);
}

static void fuzz(const char *valid, const aceuq_potential *pot, int iterations)
{
  size_t size;
  unsigned char *base = read_bytes(valid, &size), *b = malloc(size);
  const char *path = tpath("fuzz.asi");
  int counts[3] = {0, 0, 0}; /* bad, failed, loaded */
  check_rng_state = 0x9e3779b97f4a7c15ULL;
  for (int it = 0; it < iterations; ++it) {
    memcpy(b, base, size);
    size_t len = size;
    int mode = it % 3; /* 0: flip bytes, 1: truncate, 2: both */
    if (mode != 1) {
      int nflip = 1 + (int)(4 * check_uniform());
      for (int f = 0; f < nflip; ++f) {
        /* a third each: the first local + .npy header, the central directory, anywhere */
        double r = check_uniform();
        size_t pos = r < 1.0 / 3 ? (size_t)(200 * check_uniform())
                     : r < 2.0 / 3 ? size - 1 - (size_t)(130 * check_uniform())
                                   : (size_t)(size * check_uniform());
        b[pos] ^= (unsigned char)(1 + (int)(255 * check_uniform()));
      }
    }
    if (mode != 0) len = (size_t)(size * check_uniform());
    write_bytes(path, b, len);
    int r = robust_load(path, pot);
    ++counts[r + 1];
    if (r < 0) fprintf(stderr, "  fuzz iteration %d (mode %d, %zu bytes)\n", it, mode, len);
  }
  CHECK(counts[0] == 0);
  CHECK(counts[1] > 0);
  printf("fuzz %s: %d iterations, %d clean errors, %d loads, %d bad\n", valid, iterations, counts[1], counts[2],
         counts[0]);
  free(base);
  free(b);
}

/* ---- 5. grades ------------------------------------------------------------ */

static void brute_grades(const double *A, size_t K, const double *B, size_t n, double *gamma, double *scale)
{
  for (size_t i = 0; i < n; ++i) {
    double g = 0, s = 0;
    for (size_t k = 0; k < K; ++k) {
      double c = 0, a = 0;
      for (size_t j = 0; j < K; ++j) {
        c += B[i * K + j] * A[j * K + k];
        a += fabs(B[i * K + j]) * fabs(A[j * K + k]);
      }
      if (fabs(c) > g) g = fabs(c);
      if (a > s) s = a;
    }
    gamma[i] = g;
    scale[i] = s;
  }
}

/* rows per dgemm chunk as documented: min(512, 4 MiB / (8 max_K)), at least 1 */
static size_t chunk_rows(size_t max_K)
{
  size_t r = ((size_t)4 << 20) / (8 * max_K);
  return r < 1 ? 1 : r > 512 ? 512 : r;
}

static double *uniform_matrix(size_t n)
{
  double *a = malloc((n ? n : 1) * sizeof *a);
  for (size_t i = 0; i < n; ++i) a[i] = 2 * check_uniform() - 1;
  return a;
}

/* n grades of random K x K Ainv and projections with a workspace of max_K */
static void grade_case(size_t max_K, size_t K, size_t n)
{
  aceuq_grade_workspace *ws = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_grade_workspace_create(max_K, &ws, &err) == ACEUQ_OK);
  if (!ws) return;
  const size_t rows = chunk_rows(max_K);
  CHECK(aceuq_grade_workspace_bytes(ws) == (rows + 1) * max_K * sizeof(double));
  double *A = uniform_matrix(K * K), *B = uniform_matrix(K * n);
  /* projections over many orders of magnitude, as real ones are */
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < K; ++j) B[i * K + j] *= pow(10.0, (double)((i + j) % 7) - 3);
  double *g = malloc((n + 1) * sizeof *g), *s = malloc((n + 1) * sizeof *s);
  double *gr = malloc((n + 1) * sizeof *gr), *sr = malloc((n + 1) * sizeof *sr), *g2 = malloc((n + 1) * sizeof *g2);
  g[n] = s[n] = g2[n] = -7.0; /* must stay untouched */
  brute_grades(A, K, B, n, gr, sr);
  CHECK(aceuq_dopt_grade_batch(ws, A, K, B, n, g, s, &err) == ACEUQ_OK);
  CHECK(aceuq_dopt_grade_batch(ws, A, K, B, n, g2, NULL, &err) == ACEUQ_OK);
  size_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    int ok = fabs(g[i] - gr[i]) <= 1e-12 * sr[i] && fabs(s[i] - sr[i]) <= 1e-13 * sr[i] && g2[i] == g[i] &&
             g[i] <= s[i] * (1 + 1e-12);
    if (!ok && ++bad < 4)
      fprintf(stderr, "  K %zu n %zu max_K %zu row %zu: gamma %.17g vs %.17g, scale %.17g vs %.17g\n", K, n, max_K, i,
              g[i], gr[i], s[i], sr[i]);
  }
  CHECK(bad == 0);
  CHECK(g[n] == -7.0 && s[n] == -7.0 && g2[n] == -7.0);
  free(A);
  free(B);
  free(g);
  free(s);
  free(gr);
  free(sr);
  free(g2);
  aceuq_grade_workspace_free(ws);
}

static void test_grades(void)
{
  check_rng_state = 20240611ULL;
  static const size_t Ks[] = {1, 7, 82, 700};
  for (size_t ik = 0; ik < sizeof Ks / sizeof Ks[0]; ++ik) {
    size_t K = Ks[ik], rows = chunk_rows(K);
    CHECK(rows == 512);
    size_t ns[] = {0, 1, 3, rows - 1, rows, rows + 1, 2 * rows + 37};
    size_t nn = K >= 700 ? 6 : 7; /* K = 700: 2 chunks are enough (brute force is O(n K^2)) */
    for (size_t in = 0; in < nn; ++in) grade_case(K, K, ns[in]);
  }
  /* workspaces larger than K: smaller chunks, more boundaries crossed */
  grade_case(20000, 82, 3 * chunk_rows(20000) + 5);   /* chunks of 26 rows */
  grade_case(5000, 700, 2 * chunk_rows(5000) + 1);    /* chunks of 104 rows */
  grade_case(600000, 7, 3);                           /* chunks of 1 row */
  CHECK(chunk_rows(20000) == 26 && chunk_rows(5000) == 104 && chunk_rows(600000) == 1);
}

static void test_grade_special(void)
{
  aceuq_grade_workspace *ws = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  const size_t K = 82, n = 600;
  CHECK(aceuq_grade_workspace_create(K, &ws, &err) == ACEUQ_OK);
  double *A = uniform_matrix(K * K), *B = uniform_matrix(K * n);
  double *g = malloc(n * sizeof *g), *s = malloc(n * sizeof *s), *gr = malloc(n * sizeof *gr),
         *sr = malloc(n * sizeof *sr);
  brute_grades(A, K, B, n, gr, sr);

  /* NaN in a projection: NaN grade for that row only (rows in both chunks) */
  static const size_t nan_rows[] = {0, 511, 512, 599};
  for (size_t r = 0; r < 4; ++r) B[nan_rows[r] * K + (r * 13) % K] = NAN;
  CHECK(aceuq_dopt_grade_batch(ws, A, K, B, n, g, s, &err) == ACEUQ_OK);
  size_t bad = 0;
  for (size_t i = 0; i < n; ++i) {
    int is_nan_row = i == 0 || i == 511 || i == 512 || i == 599;
    int ok = is_nan_row ? isnan(g[i]) && isnan(s[i]) : fabs(g[i] - gr[i]) <= 1e-12 * sr[i] && !isnan(s[i]);
    if (!ok && ++bad < 4) fprintf(stderr, "  NaN test row %zu: gamma %g (reference %g)\n", i, g[i], gr[i]);
  }
  CHECK(bad == 0);

  /* K = 0: grades 0 */
  g[0] = s[0] = -1;
  CHECK(aceuq_dopt_grade_batch(ws, A, 0, B, 1, g, s, &err) == ACEUQ_OK && g[0] == 0 && s[0] == 0);

  /* errors */
  aceuq_error_clear(&err);
  CHECK(aceuq_dopt_grade_batch(ws, A, K + 1, B, 1, g, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "active set of size 83 exceeds the workspace size 82");
  CHECK(aceuq_dopt_grade_batch(NULL, A, K, B, 1, g, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "NULL argument");
  CHECK(aceuq_dopt_grade_batch(ws, NULL, K, B, 1, g, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK(aceuq_dopt_grade_batch(ws, A, K, NULL, 1, g, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK(aceuq_dopt_grade_batch(ws, A, K, B, 1, NULL, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK(aceuq_dopt_grade_batch(ws, A, K, NULL, 0, NULL, NULL, &err) == ACEUQ_OK);
  aceuq_grade_workspace *ws2 = (aceuq_grade_workspace *)1;
  CHECK(aceuq_grade_workspace_create(0, &ws2, &err) == ACEUQ_ERR_VALUE && ws2 == NULL);
  CHECK_STR_CONTAINS(err.message, "grade workspace: matrix size 0 out of range");
  CHECK(aceuq_grade_workspace_create(K, NULL, &err) == ACEUQ_ERR_VALUE);
  CHECK(aceuq_grade_workspace_bytes(NULL) == 0);
  aceuq_grade_workspace_free(NULL);
  /* bounded memory: a few MB whatever the size */
  CHECK(aceuq_grade_workspace_bytes(ws) <= (size_t)5 << 20);

  free(A);
  free(B);
  free(g);
  free(s);
  free(gr);
  free(sr);
  aceuq_grade_workspace_free(ws);
}

/* inverse of the n x n row-major M by Gauss-Jordan with partial pivoting */
static void invert(const double *M, size_t n, double *inv)
{
  double *a = malloc(n * 2 * n * sizeof *a);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < 2 * n; ++j) a[i * 2 * n + j] = j < n ? M[i * n + j] : (j - n == i);
  for (size_t c = 0; c < n; ++c) {
    size_t p = c;
    for (size_t r = c + 1; r < n; ++r)
      if (fabs(a[r * 2 * n + c]) > fabs(a[p * 2 * n + c])) p = r;
    for (size_t j = 0; j < 2 * n; ++j) {
      double t = a[c * 2 * n + j];
      a[c * 2 * n + j] = a[p * 2 * n + j];
      a[p * 2 * n + j] = t;
    }
    double d = a[c * 2 * n + c];
    for (size_t j = 0; j < 2 * n; ++j) a[c * 2 * n + j] /= d;
    for (size_t r = 0; r < n; ++r) {
      if (r == c) continue;
      double f = a[r * 2 * n + c];
      for (size_t j = 0; j < 2 * n; ++j) a[r * 2 * n + j] -= f * a[c * 2 * n + j];
    }
  }
  for (size_t i = 0; i < n; ++i) memcpy(inv + i * n, a + i * 2 * n + n, n * sizeof *inv);
  free(a);
}

/* The meaning of the grade: the active set is the K rows of M, Ainv = M^-1.
 * Row r of M gives c = e_r, gamma = 1 (the vertices of the max-volume
 * parallelotope); sum_r w_r m_r gives gamma = max |w_r|: < 1 inside,
 * > 1 outside (extrapolation). */
static void dopt_meaning(const double *M, const double *Ainv, size_t K, aceuq_grade_workspace *ws)
{
  double *B = malloc((K + 3) * K * sizeof *B), *g = malloc((K + 3) * sizeof *g), *s = malloc((K + 3) * sizeof *s);
  memcpy(B, M, K * K * sizeof *B);
  double w[3][3] = {{0.5, -0.3, 0.2}, {-0.9, 0.9, 0.0}, {2.0, 0.0, 0.0}}; /* on rows 0, 1, K-1 */
  for (size_t c = 0; c < 3; ++c)
    for (size_t j = 0; j < K; ++j)
      B[(K + c) * K + j] = w[c][0] * M[j] + w[c][1] * M[(K > 1 ? 1 : 0) * K + j] + w[c][2] * M[(K - 1) * K + j];
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_dopt_grade_batch(ws, Ainv, K, B, K + 3, g, s, &err) == ACEUQ_OK);
  size_t bad = 0;
  for (size_t i = 0; i < K; ++i)
    if (!(fabs(g[i] - 1.0) <= 1e-12 * (s[i] > 1 ? s[i] : 1)) && ++bad < 4)
      fprintf(stderr, "  K %zu active-set row %zu: gamma - 1 = %g\n", K, i, g[i] - 1.0);
  CHECK(bad == 0);
  if (K > 2) {
    CHECK_CLOSE(g[K], 0.5, 1e-12 * s[K]);
    CHECK_CLOSE(g[K + 1], 0.9, 1e-12 * s[K + 1]);
  }
  CHECK_CLOSE(g[K + 2], 2.0, 1e-12 * s[K + 2]);
  free(B);
  free(g);
  free(s);
}

static void test_dopt_meaning(const aceuq_potential *pot)
{
  check_rng_state = 777ULL;
  aceuq_grade_workspace *ws = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_grade_workspace_create(700, &ws, &err) == ACEUQ_OK);
  static const size_t Ks[] = {1, 5, 40, 300};
  for (size_t ik = 0; ik < 4; ++ik) {
    size_t K = Ks[ik];
    double *M = uniform_matrix(K * K), *Ainv = malloc(K * K * sizeof *Ainv);
    for (size_t i = 0; i < K; ++i) M[i * K + i] += (double)K; /* diagonally dominant: well conditioned */
    invert(M, K, Ainv);
    dopt_meaning(M, Ainv, K, ws);
    free(M);
    free(Ainv);
  }

  /* the same through an .asi file: the loaded matrices grade their own active set as 1 */
  const int nel = aceuq_potential_num_elements(pot);
  double *Ms[2], *Ainvs[2];
  size_t n[2];
  const char *keys[2];
  for (int mu = 0; mu < nel; ++mu) {
    n[mu] = aceuq_potential_projection_size(pot, mu, ACEUQ_PROJECTIONS_LINEAR);
    keys[mu] = aceuq_potential_element(pot, mu);
    Ms[mu] = uniform_matrix(n[mu] * n[mu]);
    for (size_t i = 0; i < n[mu]; ++i) Ms[mu][i * n[mu] + i] += (double)n[mu];
    Ainvs[mu] = malloc(n[mu] * n[mu] * sizeof *Ainvs[mu]);
    invert(Ms[mu], n[mu], Ainvs[mu]);
  }
  const char *path = tpath("physical.asi");
  CHECK(write_asi(path, (size_t)nel, keys, Ainvs, n) == ACEUQ_OK);
  aceuq_activeset *as = NULL;
  CHECK(aceuq_activeset_load(path, pot, &as, &err) == ACEUQ_OK);
  for (int mu = 0; as && mu < nel; ++mu) {
    CHECK(aceuq_activeset_size(as, mu) == n[mu]);
    dopt_meaning(Ms[mu], aceuq_activeset_matrix(as, mu), aceuq_activeset_size(as, mu), ws);
  }
  aceuq_activeset_free(as);
  for (int mu = 0; mu < nel; ++mu) {
    free(Ms[mu]);
    free(Ainvs[mu]);
  }
  aceuq_grade_workspace_free(ws);
}

int main(void)
{
  scratch_create("activeset");
  aceuq_potential *pot = load_potential("AlNi.yaml", ace_test_yaml);
  char *yaml2 = yaml_al_two_densities();
  aceuq_potential *pot2 = load_potential("AlNi_2dens.yaml", yaml2);
  free(yaml2);

  test_round_trips(pot, pot2);
  test_compressed(pot);
  test_errors(pot, pot2);

  /* truncations of a stored (linear) and a deflated (non-linear) archive */
  size_t n[2] = {5, 2};
  const char *keys[2] = {"Al", "Ni"};
  double *mats[2] = {random_matrix(25), random_matrix(4)};
  const char *valid = tpath("valid.asi");
  CHECK(write_asi(valid, 2, keys, mats, n) == ACEUQ_OK);
  CHECK(robust_load(valid, pot) == 1);
  truncations(valid, pot);
  truncations(tpath("deflated.asi"), pot);
  fuzz(valid, pot, 300);
  free(mats[0]);
  free(mats[1]);

  test_grades();
  test_grade_special();
  test_dopt_meaning(pot);

  aceuq_potential_free(pot);
  aceuq_potential_free(pot2);
  scratch_remove();
  return check_summary("test_activeset");
}
