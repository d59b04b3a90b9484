/* Independent couplings (ace_independent_couplings) against counts known by hand and against
 * pacemaker: the specification that produced Cu-I.yaml (nradmax_by_orders [15, 3, 2, 2, 1],
 * lmax_by_orders [0, 2, 2, 1, 1], one element) must give the file's 15 / 18 / 26 / 20 / 3 functions
 * of rank 1..5 when every multiset of (n, l) within the limits is counted with its number of
 * independent invariants.  By hand: four distinct l = 1 labels have 3 invariants ((a.b)(c.d) and
 * its two permutations), a a b b 2, a a a a 1; (1, 1, 1) has none (odd); (1, 1, 2) distinct: 1. */
#include "ace_enumerate.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>

static int count_of(ace_cg_cache *cg, int rank, const ace_label *lab)
{
  int lints[64][ACE_MAX_RANK], n = 0;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(ace_independent_couplings(rank, lab, cg, lints, 64, &n, &err) == ACEUQ_OK);
  return n;
}

/* all multisets (non-decreasing sequences) of rank labels with n <= nmax, l <= lmax */
static int count_rank(ace_cg_cache *cg, int rank, int nmax, int lmax)
{
  const int nlab = nmax * (lmax + 1);
  int idx[ACE_MAX_RANK] = {0}, total = 0;
  for (;;) {
    ace_label lab[ACE_MAX_RANK];
    for (int t = 0; t < rank; ++t) {
      lab[t].mu = 0;
      lab[t].n = 1 + idx[t] / (lmax + 1);
      lab[t].l = idx[t] % (lmax + 1);
    }
    total += rank == 1 ? (lab[0].l == 0) : count_of(cg, rank, lab);
    int t = rank - 1;
    while (t >= 0 && idx[t] == nlab - 1) --t;
    if (t < 0) break;
    ++idx[t];
    for (int u = t + 1; u < rank; ++u) idx[u] = idx[t];
  }
  return total;
}

int main(void)
{
  ace_cg_cache *cg = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(ace_cg_cache_create(12, &cg, &err) == ACEUQ_OK);
  const ace_label a = {0, 1, 1}, b = {0, 2, 1}, c = {0, 3, 1}, d = {0, 4, 1}, e = {0, 1, 2};
  const ace_label four[4] = {a, b, c, d}, aabb[4] = {a, a, b, b}, aaaa[4] = {a, a, a, a}, abe[3] = {a, b, e};
  const ace_label odd[3] = {a, b, c};
  CHECK(count_of(cg, 4, four) == 3);
  CHECK(count_of(cg, 4, aabb) == 2);
  CHECK(count_of(cg, 4, aaaa) == 1);
  CHECK(count_of(cg, 3, abe) == 1);
  CHECK(count_of(cg, 3, odd) == 0);
  /* the Cu-I specification */
  const int nmax[5] = {15, 3, 2, 2, 1}, lmax[5] = {0, 2, 2, 1, 1}, expect[5] = {15, 18, 26, 20, 3};
  for (int r = 1; r <= 5; ++r) {
    const int got = count_rank(cg, r, nmax[r - 1], lmax[r - 1]);
    printf("rank %d (nmax %d, lmax %d): %d independent functions (Cu-I.yaml has %d)\n", r, nmax[r - 1], lmax[r - 1],
           got, expect[r - 1]);
    CHECK(got == expect[r - 1]);
  }
  ace_cg_cache_free(cg);
  return check_summary("test_ace_enumerate");
}
