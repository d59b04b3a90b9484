/* uq_mpi.h -- MPI helpers shared by the aceuq styles (no LAMMPS classes):
 *  - NodeSharedArray: one read-only copy of a large array per node (MPI-3
 *    shared window over MPI_COMM_TYPE_SHARED) instead of one per rank;
 *  - ring_visit: visit every rank's block of rows without gathering all of
 *    them anywhere (blocks travel around a ring, O(N/P) memory per rank);
 *  - ring_pair_sums: the same for a symmetric pair function, each pair of
 *    rows evaluated once (half the ring, sums travel back to their owner);
 *  - first_error: agree collectively on whether any rank failed and on the
 *    message of the lowest failing rank. */
#ifndef ACEUQ_UQ_MPI_H
#define ACEUQ_UQ_MPI_H

#include <mpi.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace aceuq_mpi {

/* Collective over comm.  Returns "" if every rank passed an empty message,
 * otherwise the message of the lowest rank with a non-empty one. */
std::string first_error(MPI_Comm comm, const std::string &local_message);

class NodeSharedArray {
 public:
  NodeSharedArray() = default;
  NodeSharedArray(const NodeSharedArray &) = delete;
  NodeSharedArray &operator=(const NodeSharedArray &) = delete;
  ~NodeSharedArray() { release(); }

  /* Collective over world: the node leader (lowest rank of each node)
   * allocates `count` doubles in a shared window, the other ranks of the node
   * map the same memory.  Returns false (on all ranks) if allocation failed. */
  bool allocate(MPI_Comm world, std::size_t count);
  /* Collective: free the window (also done by the destructor). */
  void release();

  bool is_leader() const { return node_rank_ == 0; }
  /* Writable on the leader between allocate() and publish(). */
  double *data() { return data_; }
  const double *data() const { return data_; }
  std::size_t size() const { return count_; }
  /* Collective: make the leader's writes visible to the whole node. */
  void publish();
  /* Bytes this rank allocated itself (0 on non-leaders): for memory reports. */
  std::size_t bytes_owned() const { return is_leader() ? count_ * sizeof(double) : 0; }

 private:
  MPI_Comm node_ = MPI_COMM_NULL;
  MPI_Win win_ = MPI_WIN_NULL;
  double *data_ = nullptr;
  std::size_t count_ = 0;
  int node_rank_ = 0;
};

/* Collective over comm.  Calls visit(block, rows, owner) once for the block
 * of every rank (own block first, then the others in ring order); `local` has
 * `rows` x `cols` doubles.  Blocks are forwarded with MPI_Sendrecv, so each
 * rank holds at most two blocks of the largest rank's size at a time. */
void ring_visit(MPI_Comm comm, const double *local, int rows, int cols,
                const std::function<void(const double *block, int rows, int owner)> &visit);

/* Collective over comm: sums[i] += sum over all rows x_j of all ranks of
 * k(local_i, x_j), for a symmetric k given by two additive kernels:
 * self(X, n, sums) adds the pairs within one block (self pairs included);
 * cross(Y, ny, rsum, X, nx, csum) adds each pair of two blocks once to both
 * rsum (rows of Y) and csum (rows of X).  Blocks and their column sums travel
 * floor(P/2) steps around the ring; with P even the last step's pair of
 * blocks is split between its two ranks (half of the rows each); then the
 * column sums go back to their owners.  Every pair of rows is evaluated once
 * over all ranks; memory: two blocks of the largest rank's size. */
void ring_pair_sums(MPI_Comm comm, const double *local, int rows, int cols, double *sums,
                    const std::function<void(const double *X, int n, double *sums)> &self,
                    const std::function<void(const double *Y, int ny, double *rsum, const double *X, int nx,
                                             double *csum)> &cross);

}    // namespace aceuq_mpi

#endif
