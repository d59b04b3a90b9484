/* Unit tests: coupling trees, generalized CG, half basis, compression, order
 * and B -> C-tilde (ace_basis.c), checked through rotation invariance of
 * B-functions built from A-densities with this file's own spherical harmonics. */
#include "ace_basis.h"
#include "check.h"

#include <complex.h>
#include <math.h>
#include <stdlib.h>

#define LMAX 4
#define NMAX 3
#define NNEIGH 9
#define NSPECIES 2

/* ---- own spherical harmonics: sqrt(4 pi) * orthonormal, Condon-Shortley ----- */
static double factorial(int n)
{
  double f = 1.0;
  for (int i = 2; i <= n; ++i) f *= i;
  return f;
}

/* associated Legendre P_l^m(x), m >= 0, with the (-1)^m Condon-Shortley phase */
static double legendre(int l, int m, double x)
{
  double pmm = 1.0, s = sqrt((1.0 - x) * (1.0 + x));
  for (int i = 1; i <= m; ++i) pmm *= -(2 * i - 1) * s;
  if (l == m) return pmm;
  double p1 = x * (2 * m + 1) * pmm;
  if (l == m + 1) return p1;
  double p0 = pmm, p = 0.0;
  for (int k = m + 2; k <= l; ++k) {
    p = ((2 * k - 1) * x * p1 - (k + m - 1) * p0) / (k - m);
    p0 = p1;
    p1 = p;
  }
  return p;
}

/* Y_lm(r) for unit r, Y_00 = 1, Y_{l,-m} = (-1)^m conj(Y_lm) */
static double complex ylm(int l, int m, const double *r)
{
  int am = abs(m);
  double norm = sqrt((2 * l + 1) * factorial(l - am) / factorial(l + am));
  double phi = atan2(r[1], r[0]);
  double complex y = norm * legendre(l, am, r[2]) * cexp(I * am * phi);
  if (m < 0) y = ((am % 2) ? -1.0 : 1.0) * conj(y);
  return y;
}

/* ---- environment: A[mu][n-1][l][m+LMAX] = sum_j delta(mu_j, mu) R_j[n][l] Y_lm(r_j) ---- */
typedef struct env {
  double r[NNEIGH][3];
  int mu[NNEIGH];
  double rad[NNEIGH][NMAX][LMAX + 1];
  double complex A[NSPECIES][NMAX][LMAX + 1][2 * LMAX + 1];
} env;

static void env_densities(env *e)
{
  for (int s = 0; s < NSPECIES; ++s)
    for (int n = 0; n < NMAX; ++n)
      for (int l = 0; l <= LMAX; ++l)
        for (int m = -l; m <= l; ++m) {
          double complex a = 0.0;
          for (int j = 0; j < NNEIGH; ++j)
            if (e->mu[j] == s) a += e->rad[j][n][l] * ylm(l, m, e->r[j]);
          e->A[s][n][l][m + LMAX] = a;
        }
}

static void random_rotation(double R[3][3])
{
  /* orthonormalised random matrix with det +1 */
  double v[3][3];
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 3; ++k) v[i][k] = 2.0 * check_uniform() - 1.0;
  for (int i = 0; i < 3; ++i) {
    for (int p = 0; p < i; ++p) {
      double d = 0.0;
      for (int k = 0; k < 3; ++k) d += v[i][k] * v[p][k];
      for (int k = 0; k < 3; ++k) v[i][k] -= d * v[p][k];
    }
    double nn = sqrt(v[i][0] * v[i][0] + v[i][1] * v[i][1] + v[i][2] * v[i][2]);
    for (int k = 0; k < 3; ++k) v[i][k] /= nn;
  }
  double det = v[0][0] * (v[1][1] * v[2][2] - v[1][2] * v[2][1]) - v[0][1] * (v[1][0] * v[2][2] - v[1][2] * v[2][0]) +
               v[0][2] * (v[1][0] * v[2][1] - v[1][1] * v[2][0]);
  for (int i = 0; i < 3; ++i)
    for (int k = 0; k < 3; ++k) R[i][k] = (i == 2 && det < 0) ? -v[i][k] : v[i][k];
}

/* sum_k w_k prod_t A[mus_t][ns_t-1][ls_t][ms_kt] (complex) */
static double complex coupled_product(const env *e, int rank, const int *mus, const int *ns, const int *ls,
                                      int nms, const int *ms, const double *w)
{
  double complex s = 0.0;
  for (int k = 0; k < nms; ++k) {
    double complex p = 1.0;
    for (int t = 0; t < rank; ++t) p *= e->A[mus[t]][ns[t] - 1][ls[t]][ms[k * rank + t] + LMAX];
    s += w[k] * p;
  }
  return s;
}

static double real_coupled_product(const env *e, int rank, const int *mus, const int *ns, const int *ls, int nms,
                                   const int *ms, const double *w)
{
  double s = 0.0;
  for (int k = 0; k < nms; ++k) {
    double complex p = 1.0;
    for (int t = 0; t < rank; ++t) p *= e->A[mus[t]][ns[t] - 1][ls[t]][ms[k * rank + t] + LMAX];
    s += w[k] * creal(p);
  }
  return s;
}

/* ---- the test model --------------------------------------------------------------- */
typedef struct spec {
  int mu0, rank;
  int mus[6], ns[6], ls[6], lint[4];
  int skip;
} spec;

static const spec specs[] = {
  {0, 1, {0}, {2}, {0}, {0}, 0},
  {0, 1, {1}, {1}, {0}, {0}, 0},
  {0, 2, {1, 0}, {2, 1}, {2, 2}, {0}, 0},              /* unsorted (mu, n): no merging */
  {0, 2, {0, 0}, {1, 1}, {3, 3}, {0}, 0},
  {0, 3, {0, 0, 0}, {1, 1, 1}, {2, 2, 2}, {2}, 0},     /* equal (mu,n,l): compression merges */
  {0, 3, {0, 1, 0}, {2, 1, 1}, {2, 1, 1}, {1}, 0},
  {0, 3, {0, 0, 0}, {2, 1, 1}, {3, 3, 2}, {2}, 0},     /* accidental CG zeros (ML-PACE keeps them) */
  {0, 3, {0, 0, 0}, {1, 1, 1}, {1, 2, 3}, {3}, 0},
  {0, 4, {0, 0, 1, 1}, {1, 1, 1, 1}, {1, 1, 2, 2}, {2, 2}, 0},
  {0, 4, {0, 0, 0, 0}, {1, 2, 1, 2}, {1, 2, 1, 2}, {1, 1}, 0},
  {0, 4, {0, 0, 0, 0}, {1, 1, 1, 1}, {1, 1, 1, 1}, {0, 0}, 0},
  {0, 4, {0, 0, 0, 0}, {1, 1, 1, 1}, {1, 1, 1, 1}, {2, 2}, 0},
  {0, 5, {0, 0, 0, 0, 0}, {1, 1, 1, 1, 1}, {1, 1, 1, 1, 2}, {0, 2, 2}, 0},
  {0, 5, {0, 1, 0, 1, 0}, {1, 1, 2, 1, 1}, {2, 1, 1, 2, 2}, {1, 1, 2}, 0},
  {0, 6, {0, 0, 0, 0, 0, 0}, {1, 1, 1, 1, 1, 1}, {1, 1, 1, 1, 1, 1}, {2, 2, 2, 2}, 0},
  {0, 6, {0, 0, 1, 0, 0, 1}, {1, 2, 1, 1, 1, 2}, {1, 1, 2, 2, 1, 1}, {0, 2, 0, 0}, 0},
  {0, 3, {0, 0, 0}, {1, 1, 1}, {1, 1, 2}, {2}, 1},     /* skip: not in the basis */
  {0, 2, {0, 0}, {1, 1}, {3, 3}, {0}, 0},              /* duplicate key of entry 3: a tie */
  {1, 1, {0}, {1}, {0}, {0}, 0},
  {1, 3, {1, 1, 0}, {1, 1, 1}, {2, 2, 0}, {0}, 0},
  {1, 4, {0, 1, 0, 1}, {1, 1, 1, 1}, {1, 1, 2, 2}, {1, 1}, 0},
};
#define NSPECS ((int)(sizeof specs / sizeof specs[0]))

static ace_model *make_model(void)
{
  ace_model *m = calloc(1, sizeof *m);
  m->nelements = NSPECIES;
  m->elements = calloc(NSPECIES, sizeof *m->elements);
  strcpy(m->elements[0], "Al");
  strcpy(m->elements[1], "Ni");
  m->embeddings = calloc(NSPECIES, sizeof *m->embeddings);
  m->embeddings[0].ndensity = 2;
  m->embeddings[1].ndensity = 1;
  m->nbfuncs = calloc(NSPECIES, sizeof *m->nbfuncs);
  m->bfuncs = calloc(NSPECIES, sizeof *m->bfuncs);
  for (int s = 0; s < NSPECIES; ++s) m->bfuncs[s] = calloc(NSPECS, sizeof **m->bfuncs);
  for (int i = 0; i < NSPECS; ++i) {
    const spec *sp = &specs[i];
    ace_bfunc *f = &m->bfuncs[sp->mu0][m->nbfuncs[sp->mu0]++];
    f->rank = sp->rank;
    f->mu0 = sp->mu0;
    for (int t = 0; t < sp->rank; ++t) {
      f->mus[t] = sp->mus[t];
      f->ns[t] = sp->ns[t];
      f->ls[t] = sp->ls[t];
    }
    f->nlint = sp->rank > 2 ? sp->rank - 2 : 0;
    for (int t = 0; t < f->nlint; ++t) f->lint[t] = sp->lint[t];
    f->skip = sp->skip;
    int nd = m->embeddings[sp->mu0].ndensity;
    f->coeffs = malloc((size_t)nd * sizeof *f->coeffs);
    for (int p = 0; p < nd; ++p) f->coeffs[p] = 2.0 * check_uniform() - 1.0;
  }
  return m;
}

static void free_model(ace_model *m)
{
  for (int s = 0; s < NSPECIES; ++s) {
    for (size_t i = 0; i < m->nbfuncs[s]; ++i) free(m->bfuncs[s][i].coeffs);
    free(m->bfuncs[s]);
    for (size_t i = 0; m->ctilde && i < m->nctilde[s]; ++i) {
      free(m->ctilde[s][i].ms_combs);
      free(m->ctilde[s][i].ctildes);
    }
    if (m->ctilde) free(m->ctilde[s]);
  }
  free(m->bfuncs), free(m->nbfuncs), free(m->ctilde), free(m->nctilde);
  free(m->embeddings), free(m->elements), free(m);
}

static void test_trees(void)
{
  static const int want[7][5][3] = {
    {{0}}, {{0}},
    {{0, 1, 2}},
    {{0, 1, 3}, {3, 2, 4}},
    {{0, 1, 4}, {2, 3, 5}, {4, 5, 6}},
    {{0, 1, 5}, {2, 3, 6}, {5, 6, 7}, {7, 4, 8}},
    {{0, 1, 6}, {2, 3, 7}, {4, 5, 8}, {6, 7, 9}, {8, 9, 10}},
  };
  for (int r = 2; r <= 6; ++r) {
    int nodes[ACE_MAX_RANK][3];
    ace_coupling_tree(r, nodes);
    for (int k = 0; k < r - 1; ++k)
      for (int i = 0; i < 3; ++i) CHECK(nodes[k][i] == want[r][k][i]);
  }
}

/* gen-CG lists: m_1 fastest, sum m = 0, half basis = first non-zero m > 0 (x2) */
static void test_ms_lists(ace_cg_cache *cg)
{
  aceuq_error err = {0};
  int *ms = NULL, n = 0;
  double *gc = NULL;
  int ls[2] = {1, 1};
  CHECK(ace_coupling_ms_list(2, ls, NULL, 0, cg, &ms, &gc, &n, &err) == ACEUQ_OK);
  /* full list: (1,-1), (0,0), (-1,1) in m_1-fastest order */
  CHECK(n == 3);
  if (n == 3) {
    CHECK(ms[0] == 1 && ms[1] == -1 && ms[2] == 0 && ms[3] == 0 && ms[4] == -1 && ms[5] == 1);
    CHECK_CLOSE(gc[0], 1.0 / sqrt(3.0), 2e-16);
    CHECK_CLOSE(gc[1], -1.0 / sqrt(3.0), 2e-16);
  }
  free(ms), free(gc);
  CHECK(ace_coupling_ms_list(2, ls, NULL, ACE_COUPLING_HALF_BASIS, cg, &ms, &gc, &n, &err) == ACEUQ_OK);
  CHECK(n == 2);
  if (n == 2) {
    CHECK(ms[0] == 1 && ms[1] == -1 && ms[2] == 0 && ms[3] == 0);
    CHECK_CLOSE(gc[0], 2.0 / sqrt(3.0), 3e-16);
    CHECK_CLOSE(gc[1], -1.0 / sqrt(3.0), 2e-16);
  }
  free(ms), free(gc);
  int odd[2] = {1, 2};
  CHECK(ace_coupling_ms_list(2, odd, NULL, 1, cg, &ms, &gc, &n, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "not even");
  /* accidental zeros: kept (gen_cg 0.0) only in ML-PACE mode */
  int l332[3] = {3, 3, 2}, L2[1] = {2};
  int n_exact = 0, n_ml = 0, zeros = 0;
  CHECK(ace_coupling_ms_list(3, l332, L2, 1, cg, &ms, &gc, &n_exact, &err) == ACEUQ_OK);
  for (int k = 0; k < n_exact; ++k) zeros += gc[k] == 0.0;
  free(ms), free(gc);
  CHECK(zeros == 0);
  CHECK(ace_coupling_ms_list(3, l332, L2, 3, cg, &ms, &gc, &n_ml, &err) == ACEUQ_OK);
  zeros = 0;
  for (int k = 0; k < n_ml; ++k) zeros += gc[k] == 0.0;
  free(ms), free(gc);
  printf("(3 3 2 | L=2): %d exact tuples, %d with ML-PACE's round-off zeros\n", n_exact, n_ml);
  CHECK(n_ml > n_exact && zeros == n_ml - n_exact);
}

static double max_abs_diff_b(const env *e, const env *rot, const ace_model *m, const ace_bbasis *bb,
                             ace_cg_cache *cg, double *max_imag, double *max_half_full, double *max_rho)
{
  double max_rot = 0.0;
  aceuq_error err = {0};
  for (int mu = 0; mu < NSPECIES; ++mu) {
    int nd = m->embeddings[mu].ndensity;
    double rho_b[2] = {0, 0}, rho_c[2] = {0, 0}, scale = 0.0;
    for (size_t i = 0; i < bb->nfuncs[mu]; ++i) {
      const ace_bbasis_func *f = &bb->funcs[mu][i];
      double b = real_coupled_product(e, f->rank, f->mus, f->ns, f->ls, f->num_ms_combs, f->ms_combs, f->gen_cgs);
      double br =
          real_coupled_product(rot, f->rank, f->mus, f->ns, f->ls, f->num_ms_combs, f->ms_combs, f->gen_cgs);
      /* the full m-sum of the file's function (its own order of mus/ns/ls) */
      const ace_bfunc *src = &m->bfuncs[mu][f->source_index];
      int *ms = NULL, n = 0;
      double *gc = NULL;
      CHECK(ace_coupling_ms_list(src->rank, src->ls, src->lint, 0, cg, &ms, &gc, &n, &err) == ACEUQ_OK);
      double complex full = coupled_product(e, src->rank, src->mus, src->ns, src->ls, n, ms, gc);
      free(ms), free(gc);
      double sc = fabs(b) > 1.0 ? fabs(b) : 1.0;
      if (fabs(b - br) / sc > max_rot) max_rot = fabs(b - br) / sc;
      if (fabs(cimag(full)) / sc > *max_imag) *max_imag = fabs(cimag(full)) / sc;
      if (fabs(creal(full) - b) / sc > *max_half_full) *max_half_full = fabs(creal(full) - b) / sc;
      for (int p = 0; p < nd; ++p) {
        rho_b[p] += f->coeffs[p] * b;
        scale += fabs(f->coeffs[p] * b);
      }
    }
    for (size_t i = 0; i < m->nctilde[mu]; ++i) {
      const ace_ctilde_func *c = &m->ctilde[mu][i];
      for (int k = 0; k < c->num_ms_combs; ++k)
        for (int p = 0; p < nd; ++p) {
          double w = c->ctildes[k * nd + p];
          rho_c[p] += real_coupled_product(e, c->rank, c->mus, c->ns, c->ls, 1, c->ms_combs + k * c->rank, &w);
        }
    }
    for (int p = 0; p < nd; ++p)
      if (fabs(rho_b[p] - rho_c[p]) / scale > *max_rho) *max_rho = fabs(rho_b[p] - rho_c[p]) / scale;
  }
  return max_rot;
}

static void test_basis(ace_cg_cache *cg)
{
  ace_model *m = make_model();
  aceuq_error err = {0};
  ace_bbasis *bb = NULL;
  CHECK(ace_basis_build(m, &bb, &err) == ACEUQ_OK);
  if (!bb) {
    fprintf(stderr, "%s\n", err.message);
    free_model(m);
    return;
  }
  /* skip excluded; rank-1 first; non-decreasing rank */
  CHECK(bb->nfuncs[0] == m->nbfuncs[0] - 1 && bb->nfuncs[1] == m->nbfuncs[1]);
  CHECK(bb->nfuncs_rank1[0] == 2 && bb->nfuncs_rank1[1] == 1);
  for (int mu = 0; mu < NSPECIES; ++mu)
    for (size_t i = 0; i < bb->nfuncs[mu]; ++i) {
      CHECK((bb->funcs[mu][i].rank == 1) == (i < bb->nfuncs_rank1[mu]));
      if (i > 0) CHECK(bb->funcs[mu][i - 1].rank <= bb->funcs[mu][i].rank);
      CHECK(!m->bfuncs[mu][bb->funcs[mu][i].source_index].skip);
    }
  /* rank-1 order by (mus, ns): file entry 1 (mus 1) after entry 0 (mus 0) */
  CHECK(bb->funcs[0][0].mus[0] == 0 && bb->funcs[0][1].mus[0] == 1);
  /* the duplicate pair is the only tie, reported in file order */
  CHECK(bb->nties == 1);
  if (bb->nties == 1) {
    const ace_basis_tie *t = &bb->ties[0];
    CHECK(t->mu == 0 && t->second == t->first + 1);
    CHECK(bb->funcs[0][t->first].source_index == 3 && bb->funcs[0][t->second].source_index == 17);
  }
  /* compression: merges for equal (mu,n,l); permutes mus/ns/ls of the accidental-zero function */
  for (size_t i = 0; i < bb->nfuncs[0]; ++i) {
    const ace_bbasis_func *f = &bb->funcs[0][i];
    int *ms = NULL, n = 0;
    double *gc = NULL;
    CHECK(ace_coupling_ms_list(f->rank, m->bfuncs[0][f->source_index].ls, f->lint, 1, cg, &ms, &gc, &n, &err) ==
          ACEUQ_OK);
    free(ms), free(gc);
    if (f->source_index == 4) CHECK(f->num_ms_combs < n);
    if (f->source_index == 6)
      CHECK(f->ns[0] == 1 && f->ns[1] == 1 && f->ns[2] == 2 && f->ls[0] == 2 && f->ls[1] == 3 && f->ls[2] == 3 &&
            f->num_ms_combs == n);
    if (f->source_index == 2) CHECK(f->mus[0] == 1 && f->ns[0] == 2); /* nothing to merge: unchanged */
  }
  /* C-tilde: strictly increasing in the compare order, rank-1 first */
  for (int mu = 0; mu < NSPECIES; ++mu)
    for (size_t i = 1; i < m->nctilde[mu]; ++i) {
      const ace_ctilde_func *a = &m->ctilde[mu][i - 1], *b = &m->ctilde[mu][i];
      CHECK(ace_basis_compare(a->rank, a->mu0, a->mus, a->ns, a->ls, a->num_ms_combs, a->ms_combs, b->rank, b->mu0,
                              b->mus, b->ns, b->ls, b->num_ms_combs, b->ms_combs) < 0);
    }

  /* invariance, reality, half = full, B-basis density = C-tilde density */
  double max_rot = 0.0, max_imag = 0.0, max_half_full = 0.0, max_rho = 0.0;
  for (int trial = 0; trial < 5; ++trial) {
    static env e, rot;
    double R[3][3];
    random_rotation(R);
    for (int j = 0; j < NNEIGH; ++j) {
      double v[3], nn = 0.0;
      for (int k = 0; k < 3; ++k) {
        v[k] = 2.0 * check_uniform() - 1.0;
        nn += v[k] * v[k];
      }
      for (int k = 0; k < 3; ++k) e.r[j][k] = v[k] / sqrt(nn);
      for (int k = 0; k < 3; ++k) rot.r[j][k] = R[k][0] * e.r[j][0] + R[k][1] * e.r[j][1] + R[k][2] * e.r[j][2];
      e.mu[j] = rot.mu[j] = (int)(check_uniform() * NSPECIES);
      for (int n = 0; n < NMAX; ++n)
        for (int l = 0; l <= LMAX; ++l) e.rad[j][n][l] = rot.rad[j][n][l] = 2.0 * check_uniform() - 1.0;
    }
    env_densities(&e);
    env_densities(&rot);
    double d = max_abs_diff_b(&e, &rot, m, bb, cg, &max_imag, &max_half_full, &max_rho);
    if (d > max_rot) max_rot = d;
  }
  printf("B rotation invariance %.3g, |Im full sum| %.3g, half - full %.3g, rho(B) - rho(C-tilde) %.3g "
         "(relative)\n",
         max_rot, max_imag, max_half_full, max_rho);
  CHECK(max_rot < 1e-12);
  CHECK(max_imag < 1e-12);
  CHECK(max_half_full < 1e-12);
  CHECK(max_rho < 1e-13);

  /* a second build is refused (C-tilde present) */
  ace_bbasis *again = NULL;
  CHECK(ace_basis_build(m, &again, &err) == ACEUQ_ERR_VALUE && again == NULL);
  CHECK_STR_CONTAINS(err.message, "already has a C-tilde basis");
  ace_bbasis_free(bb);
  free_model(m);
}

static void test_errors(void)
{
  aceuq_error err = {0};
  ace_bbasis *bb = NULL;
  ace_model *m = make_model();
  m->bfuncs[0][5].nlint = 0;
  CHECK(ace_basis_build(m, &bb, &err) == ACEUQ_ERR_VALUE && bb == NULL);
  CHECK_STR_CONTAINS(err.message, "element Al, B-function 5: rank 3 needs 1 intermediate L, got 0");
  CHECK(m->ctilde == NULL && m->nctilde == NULL);
  m->bfuncs[0][5].nlint = 1;
  m->bfuncs[0][5].ls[0] = 3;
  CHECK(ace_basis_build(m, &bb, &err) == ACEUQ_ERR_VALUE && bb == NULL);
  CHECK_STR_CONTAINS(err.message, "element Al, B-function 5: sum of ls (5) is not even");
  m->bfuncs[0][5].ls[0] = 2;
  m->bfuncs[1][1].mus[0] = 2;
  CHECK(ace_basis_build(m, &bb, &err) == ACEUQ_ERR_VALUE && bb == NULL);
  CHECK_STR_CONTAINS(err.message, "element Ni, B-function 1: species 2 out of range");
  free_model(m);
  ace_model empty = {0};
  CHECK(ace_basis_build(&empty, &bb, &err) == ACEUQ_ERR_VALUE);
  CHECK_STR_CONTAINS(err.message, "no B-basis functions");
  ace_bbasis_free(NULL);
}

int main(void)
{
  aceuq_error err = {0};
  ace_cg_cache *cg = NULL;
  if (ace_cg_cache_create(2 * LMAX, &cg, &err) != ACEUQ_OK) {
    fprintf(stderr, "%s\n", err.message);
    return 1;
  }
  test_trees();
  test_ms_lists(cg);
  test_basis(cg);
  test_errors();
  ace_cg_cache_free(cg);
  return check_summary("test_ace_basis");
}
