/* uq_mpi.cpp -- see uq_mpi.h. */
#include "uq_mpi.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace aceuq_mpi {

std::string first_error(MPI_Comm comm, const std::string &local_message)
{
  int me;
  MPI_Comm_rank(comm, &me);
  int mine = local_message.empty() ? INT_MAX : me, first;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == INT_MAX) return "";
  int len = (me == first) ? (int)local_message.size() : 0;
  MPI_Bcast(&len, 1, MPI_INT, first, comm);
  std::string msg(me == first ? local_message : std::string(len, ' '));
  MPI_Bcast(&msg[0], len, MPI_CHAR, first, comm);
  return msg;
}

bool NodeSharedArray::allocate(MPI_Comm world, std::size_t count)
{
  release();
  MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node_);
  MPI_Comm_rank(node_, &node_rank_);
  MPI_Aint bytes = (node_rank_ == 0) ? (MPI_Aint)(count * sizeof(double)) : 0;
  // errors come back as codes instead of aborting the job
  MPI_Comm_set_errhandler(node_, MPI_ERRORS_RETURN);
  void *base = nullptr;
  int rc = MPI_Win_allocate_shared(bytes, sizeof(double), MPI_INFO_NULL, node_, &base, &win_);
  int ok = (rc == MPI_SUCCESS), all_ok;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, world);
  if (!all_ok) {
    if (rc == MPI_SUCCESS) MPI_Win_free(&win_);
    win_ = MPI_WIN_NULL;
    MPI_Comm_free(&node_);
    return false;
  }
  MPI_Aint size;
  int disp;
  MPI_Win_shared_query(win_, 0, &size, &disp, &base);
  data_ = static_cast<double *>(base);
  count_ = count;
  return true;
}

void NodeSharedArray::publish()
{
  MPI_Win_fence(0, win_);
  MPI_Barrier(node_);
}

void NodeSharedArray::release()
{
  if (win_ != MPI_WIN_NULL) MPI_Win_free(&win_);
  if (node_ != MPI_COMM_NULL) MPI_Comm_free(&node_);
  win_ = MPI_WIN_NULL;
  node_ = MPI_COMM_NULL;
  data_ = nullptr;
  count_ = 0;
}

void ring_visit(MPI_Comm comm, const double *local, int rows, int cols,
                const std::function<void(const double *, int, int)> &visit)
{
  int me, nprocs;
  MPI_Comm_rank(comm, &me);
  MPI_Comm_size(comm, &nprocs);
  visit(local, rows, me);
  if (nprocs == 1) return;

  int maxrows;
  MPI_Allreduce(&rows, &maxrows, 1, MPI_INT, MPI_MAX, comm);
  std::size_t cap = (std::size_t)std::max(maxrows, 1) * (std::size_t)cols;
  std::vector<double> current(cap), incoming(cap);
  std::copy(local, local + (std::size_t)rows * cols, current.begin());
  int current_rows = rows, owner = me;
  const int right = (me + 1) % nprocs, left = (me + nprocs - 1) % nprocs;
  for (int step = 1; step < nprocs; ++step) {
    // pass the block we hold to the right, receive the left neighbour's
    int incoming_rows;
    MPI_Sendrecv(&current_rows, 1, MPI_INT, right, 0, &incoming_rows, 1, MPI_INT, left, 0, comm,
                 MPI_STATUS_IGNORE);
    MPI_Sendrecv(current.data(), current_rows * cols, MPI_DOUBLE, right, 1, incoming.data(),
                 incoming_rows * cols, MPI_DOUBLE, left, 1, comm, MPI_STATUS_IGNORE);
    current.swap(incoming);
    current_rows = incoming_rows;
    owner = (owner + nprocs - 1) % nprocs;
    visit(current.data(), current_rows, owner);
  }
}

void ring_pair_sums(MPI_Comm comm, const double *local, int rows, int cols, double *sums,
                    const std::function<void(const double *, int, double *)> &self,
                    const std::function<void(const double *, int, double *, const double *, int, double *)> &cross)
{
  int me, nprocs;
  MPI_Comm_rank(comm, &me);
  MPI_Comm_size(comm, &nprocs);
  self(local, rows, sums);
  if (nprocs == 1) return;

  int maxrows;
  MPI_Allreduce(&rows, &maxrows, 1, MPI_INT, MPI_MAX, comm);
  const std::size_t cap = (std::size_t)std::max(maxrows, 1);
  std::vector<double> block(cap * cols), incoming(cap * cols), acc(cap, 0.0), incoming_acc(cap);
  std::copy(local, local + (std::size_t)rows * cols, block.begin());
  int block_rows = rows;
  const int right = (me + 1) % nprocs, left = (me + nprocs - 1) % nprocs, last = nprocs / 2;
  for (int step = 1; step <= last; ++step) {
    // pass the block we hold and its column sums to the right, receive from the left
    int incoming_rows;
    MPI_Sendrecv(&block_rows, 1, MPI_INT, right, 0, &incoming_rows, 1, MPI_INT, left, 0, comm, MPI_STATUS_IGNORE);
    MPI_Sendrecv(block.data(), block_rows * cols, MPI_DOUBLE, right, 1, incoming.data(), incoming_rows * cols,
                 MPI_DOUBLE, left, 1, comm, MPI_STATUS_IGNORE);
    MPI_Sendrecv(acc.data(), block_rows, MPI_DOUBLE, right, 2, incoming_acc.data(), incoming_rows, MPI_DOUBLE, left, 2,
                 comm, MPI_STATUS_IGNORE);
    block.swap(incoming);
    acc.swap(incoming_acc);
    block_rows = incoming_rows;
    const int owner = (me + nprocs - step) % nprocs;
    if (2 * step == nprocs) {
      // the owner holds our block at this step: the lower rank takes its first
      // half of rows against all of ours, the higher all of its rows against our second half
      if (me < owner) {
        cross(local, rows / 2, sums, block.data(), block_rows, acc.data());
      } else {
        const int half = block_rows / 2;
        cross(local, rows, sums, block.data() + (std::size_t)half * cols, block_rows - half, acc.data() + half);
      }
    } else {
      cross(local, rows, sums, block.data(), block_rows, acc.data());
    }
  }
  // the column sums held here belong to rank me - last; ours are at me + last
  const int home = (me + nprocs - last) % nprocs, away = (me + last) % nprocs;
  MPI_Sendrecv(acc.data(), block_rows, MPI_DOUBLE, home, 3, incoming_acc.data(), rows, MPI_DOUBLE, away, 3, comm,
               MPI_STATUS_IGNORE);
  for (int i = 0; i < rows; ++i) sums[i] += incoming_acc[i];
}

}    // namespace aceuq_mpi
