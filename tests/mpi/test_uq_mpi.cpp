// MPI helpers of the plugin (plugin/uq_mpi.h), run on 1, 2, 3 and 4 ranks:
// ring_visit sees every rank's block exactly once with the right content and
// owner, also with empty blocks; ring_pair_sums gives every row its exact sum
// over all rows of all ranks and evaluates each pair once over all ranks
// (uneven and empty blocks, odd and even rank counts); NodeSharedArray shows the leader's data on
// every rank of the node; first_error picks the lowest failing rank.
#include "uq_mpi.h"

#include <cstdio>
#include <vector>

static int failures = 0;
#define EXPECT(c)                                                                     \
  do {                                                                                \
    if (!(c)) {                                                                       \
      ++failures;                                                                     \
      std::fprintf(stderr, "rank check failed at %s:%d: %s\n", __FILE__, __LINE__, #c); \
    }                                                                                 \
  } while (0)

static double value(int owner, int row, int col) { return owner * 1000.0 + row * 10.0 + col; }

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  int me, np;
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  MPI_Comm_size(MPI_COMM_WORLD, &np);

  // ring: rank r owns (r % 3) rows (rank 0: an empty block), 4 columns
  const int cols = 4, rows = me % 3;
  std::vector<double> block(rows * cols + 1);
  for (int i = 0; i < rows; ++i)
    for (int c = 0; c < cols; ++c) block[i * cols + c] = value(me, i, c);
  std::vector<int> seen(np, 0);
  aceuq_mpi::ring_visit(MPI_COMM_WORLD, block.data(), rows, cols,
                        [&](const double *b, int n, int owner) {
                          seen[owner]++;
                          EXPECT(n == owner % 3);
                          for (int i = 0; i < n; ++i)
                            for (int c = 0; c < cols; ++c) EXPECT(b[i * cols + c] == value(owner, i, c));
                        });
  for (int r = 0; r < np; ++r) EXPECT(seen[r] == 1);

  // symmetric pair sums with k(a, b) = a b + 1 (integers: exact): rank r owns
  // (2r + 1) % 5 rows (rank 2 none), with values 1, 2, ... numbered across ranks
  {
    const int n = (2 * me + 1) % 5;
    int first = 0, total = 0;
    for (int r = 0; r < np; ++r) {
      if (r < me) first += (2 * r + 1) % 5;
      total += (2 * r + 1) % 5;
    }
    std::vector<double> x(n + 1), sums(n + 1, 0.0);
    for (int i = 0; i < n; ++i) x[i] = first + i + 1;
    long evaluated = 0;
    aceuq_mpi::ring_pair_sums(
        MPI_COMM_WORLD, x.data(), n, 1, sums.data(),
        [&](const double *X, int m, double *s) {
          for (int i = 0; i < m; ++i)
            for (int j = 0; j < m; ++j) s[i] += X[i] * X[j] + 1;
          evaluated += (long)m * (m + 1) / 2; // pairs i <= j
        },
        [&](const double *Y, int ny, double *rs, const double *X, int nx, double *cs) {
          for (int i = 0; i < ny; ++i)
            for (int j = 0; j < nx; ++j) {
              rs[i] += Y[i] * X[j] + 1;
              cs[j] += Y[i] * X[j] + 1;
            }
          evaluated += (long)ny * nx;
        });
    const double V = 0.5 * total * (total + 1.0); // sum of all values
    for (int i = 0; i < n; ++i) EXPECT(sums[i] == x[i] * V + total);
    long all_evaluated;
    MPI_Allreduce(&evaluated, &all_evaluated, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    EXPECT(all_evaluated == (long)total * (total + 1) / 2);
  }

  // node-shared array
  aceuq_mpi::NodeSharedArray shared;
  EXPECT(shared.allocate(MPI_COMM_WORLD, 1000));
  if (shared.is_leader())
    for (int i = 0; i < 1000; ++i) shared.data()[i] = 0.5 * i;
  shared.publish();
  for (int i = 0; i < 1000; ++i) EXPECT(shared.data()[i] == 0.5 * i);
  long owned = (long)shared.bytes_owned(), total;
  MPI_Allreduce(&owned, &total, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  EXPECT(total == 8000);   // one copy: all ranks of this test share one node
  shared.release();

  // collective errors
  EXPECT(aceuq_mpi::first_error(MPI_COMM_WORLD, "").empty());
  std::string msg = (me >= np / 2) ? "rank " + std::to_string(me) + " failed" : "";
  EXPECT(aceuq_mpi::first_error(MPI_COMM_WORLD, msg) == "rank " + std::to_string(np / 2) + " failed");

  int all;
  MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (me == 0) std::printf("test_uq_mpi on %d ranks: %s\n", np, all ? "FAILED" : "ok");
  MPI_Finalize();
  return all ? 1 : 0;
}
