/* compute_uq_entropy.cpp -- see compute_uq_entropy.h.
 *
 * Per evaluation (once per timestep and neighbour-list generation):
 *  1. descriptors of the group's owned atoms from an occasional full neighbour
 *     list with the descriptor cutoff (ghosts included);
 *  2. dH against the node-shared reference set (one GEMM-based kernel pass);
 *  3. H: kernel sums of every owned row against the rows of all ranks, which
 *     travel around half an MPI ring (exact, O(N/P) memory per rank; every
 *     pair of atoms evaluated once, on one rank, for both of its atoms);
 *  4. MPI reductions of H, diversity and the dH statistics. */
#include "compute_uq_entropy.h"

#include "aceuq_lammps_compat.h"

#include "atom.h"
#include "comm.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "neigh_list.h"
#include "neighbor.h"
#include "pair.h"
#include "update.h"
#include "utils.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace LAMMPS_NS;

ComputeUQEntropy::ComputeUQEntropy(LAMMPS *lmp, int narg, char **arg) : Compute(lmp, narg, arg)
{
  parse(narg, arg);
  aceuq_error err;
  aceuq_error_clear(&err);
  if (aceuq_quests_workspace_create(k_, cutoff_, &qws_, &err) != ACEUQ_OK)
    error->all(FLERR, "compute {} uq/entropy: {}", id, err.message);
  dim_ = aceuq_quests_descriptor_length(k_);
  if (aceuq_kernel_workspace_create(dim_, &kws_, &err) != ACEUQ_OK)
    error->all(FLERR, "compute {} uq/entropy: {}", id, err.message);
  if (!reference_file_.empty()) load_reference();

  scalar_flag = 1;
  extscalar = 0;
  vector_flag = 1;
  size_vector = 5;
  extvector = 0;
  vector = results_;
  peratom_flag = 1;
  size_peratom_cols = descriptors_out_ ? (int)dim_ + 1 : 0;
}

ComputeUQEntropy::~ComputeUQEntropy()
{
  aceuq_quests_workspace_free(qws_);
  aceuq_kernel_workspace_free(kws_);
  memory->destroy(peratom_vec_);
  memory->destroy(peratom_arr_);
}

void ComputeUQEntropy::parse(int narg, char **arg)
{
  auto need = [&](int i, const char *key) {
    if (i + 1 >= narg) error->all(FLERR, "compute {} uq/entropy: keyword {} needs a value", id, key);
  };
  for (int i = 3; i < narg; i += 2) {
    std::string key = arg[i];
    need(i, arg[i]);
    if (key == "cutoff") {
      cutoff_ = utils::numeric(FLERR, arg[i + 1], false, lmp);
      if (!(cutoff_ > 0.0)) error->all(FLERR, "compute {} uq/entropy: cutoff must be > 0 (got {})", id, arg[i + 1]);
    } else if (key == "k") {
      k_ = utils::inumeric(FLERR, arg[i + 1], false, lmp);
      if (k_ < 2) error->all(FLERR, "compute {} uq/entropy: k must be >= 2 (got {})", id, arg[i + 1]);
    } else if (key == "bandwidth") {
      bandwidth_ = utils::numeric(FLERR, arg[i + 1], false, lmp);
      if (!(bandwidth_ > 0.0))
        error->all(FLERR, "compute {} uq/entropy: bandwidth must be > 0 (got {})", id, arg[i + 1]);
    } else if (key == "reference") {
      reference_file_ = arg[i + 1];
    } else if (key == "threshold") {
      threshold_ = utils::numeric(FLERR, arg[i + 1], false, lmp);
    } else if (key == "descriptors") {
      std::string v = arg[i + 1];
      if (v != "yes" && v != "no")
        error->all(FLERR, "compute {} uq/entropy: descriptors must be yes or no (got {})", id, v);
      descriptors_out_ = (v == "yes");
    } else {
      error->all(FLERR,
                 "compute {} uq/entropy: unknown keyword '{}' (expected cutoff, k, bandwidth, "
                 "reference, threshold or descriptors)",
                 id, key);
    }
  }
}

/* World rank 0 reads and validates the file; every node leader then fills the
 * node's shared copy (re-reading the file unless it is rank 0). */
void ComputeUQEntropy::load_reference()
{
  const char *file = reference_file_.c_str();
  auto read_checked = [&](aceuq_array2d &a) -> std::string {
    aceuq_error err;
    aceuq_error_clear(&err);
    if (aceuq_npy_read_file(file, &a, &err) != ACEUQ_OK) return err.message;
    if (a.ndim != 2 || a.cols != dim_)
      return fmt::format("{}: reference descriptors have {} columns, but k = {} needs 2k-1 = {} "
                         "(make the reference with the same k)",
                         file, a.ndim == 2 ? a.cols : 1, k_, dim_);
    if (a.rows == 0) return fmt::format("{}: reference set is empty", file);
    for (std::size_t i = 0; i < a.rows * a.cols; ++i)
      if (!std::isfinite(a.data[i]))
        return fmt::format("{}: reference row {} column {} is not a finite number", file,
                           i / a.cols, i % a.cols);
    return "";
  };

  aceuq_array2d first{};
  std::string msg = (comm->me == 0) ? read_checked(first) : "";
  msg = aceuq_mpi::first_error(world, msg);
  if (!msg.empty()) error->all(FLERR, "compute {} uq/entropy: {}", id, msg);
  unsigned long long rows = first.rows;
  MPI_Bcast(&rows, 1, MPI_UNSIGNED_LONG_LONG, 0, world);
  nref_ = rows;

  if (!reference_.allocate(world, nref_ * dim_))
    error->all(FLERR, "compute {} uq/entropy: cannot allocate {:.1f} MB of node-shared memory for {}",
               id, nref_ * dim_ * 8.0 / 1048576.0, file);
  if (reference_.is_leader()) {
    if (comm->me == 0) {
      std::memcpy(reference_.data(), first.data, nref_ * dim_ * sizeof(double));
    } else {
      aceuq_array2d again{};
      msg = read_checked(again);
      if (msg.empty() && again.rows != nref_) msg = fmt::format("{}: file changed while reading", file);
      if (msg.empty()) std::memcpy(reference_.data(), again.data, nref_ * dim_ * sizeof(double));
      aceuq_array2d_release(&again);
    }
  }
  aceuq_array2d_release(&first);
  msg = aceuq_mpi::first_error(world, msg);
  if (!msg.empty()) error->all(FLERR, "compute {} uq/entropy: {}", id, msg);
  reference_.publish();
  if (comm->me == 0)
    utils::logmesg(lmp, "compute {} uq/entropy: {} reference environments from {} ({:.1f} MB per node)\n",
                   id, nref_, file, nref_ * dim_ * 8.0 / 1048576.0);
}

void ComputeUQEntropy::init()
{
  // neighbours out to the descriptor cutoff must exist as ghosts
  const double need = cutoff_ + neighbor->skin;
  double ghost = comm->cutghostuser;
  if (force->pair) ghost = std::max(ghost, force->pair->cutforce + neighbor->skin);
  if (ghost < need) {
    comm->cutghostuser = need;
    if (comm->me == 0)
      utils::logmesg(lmp, "compute {} uq/entropy: ghost cutoff raised to {} (descriptor cutoff + skin)\n",
                     id, need);
  }
  aceuq_compat::request_full_list(lmp, this, instance_me, need);
}

void ComputeUQEntropy::init_list(int, NeighList *ptr)
{
  list_ = ptr;
}

double ComputeUQEntropy::compute_scalar()
{
  invoked_scalar = update->ntimestep;
  evaluate();
  scalar = results_[0];
  return scalar;
}

void ComputeUQEntropy::compute_vector()
{
  invoked_vector = update->ntimestep;
  evaluate();
}

void ComputeUQEntropy::compute_peratom()
{
  invoked_peratom = update->ntimestep;
  evaluate();
}

void ComputeUQEntropy::evaluate()
{
  const long long key[2] = {(long long)update->ntimestep, (long long)neighbor->ncalls};
  if (key[0] == last_key_[0] && key[1] == last_key_[1]) return;
  last_key_[0] = key[0];
  last_key_[1] = key[1];

  neighbor->build_one(list_);
  compute_descriptors();
  const std::size_t nrows = row_atom_.size();
  dH_.assign(nrows, 0.0);
  if (nref_ > 0) compute_dH_reference();
  std::vector<double> self(nrows, 0.0);
  compute_self_sums(self);
  if (nref_ == 0)
    for (std::size_t r = 0; r < nrows; ++r) dH_[r] = -std::log(self[r]);
  reduce_results(self);
  fill_peratom();
}

void ComputeUQEntropy::compute_descriptors()
{
  const int inum = list_->inum;
  const int *ilist = list_->ilist, *numneigh = list_->numneigh;
  int **firstneigh = list_->firstneigh;
  double **x = atom->x;
  const int *mask = atom->mask;
  const double cut2 = cutoff_ * cutoff_;

  row_atom_.clear();
  int maxneigh = 0;
  for (int ii = 0; ii < inum; ++ii) {
    const int i = ilist[ii];
    if (!(mask[i] & groupbit)) continue;
    row_atom_.push_back(i);
    maxneigh = std::max(maxneigh, numneigh[i]);
  }
  desc_.resize(row_atom_.size() * dim_);
  disp_.resize(3 * (std::size_t)std::max(maxneigh, 1));

  std::string msg;
  aceuq_error err;
  aceuq_error_clear(&err);
  for (std::size_t r = 0; r < row_atom_.size() && msg.empty(); ++r) {
    const int i = row_atom_[r];
    if (!std::isfinite(x[i][0]) || !std::isfinite(x[i][1]) || !std::isfinite(x[i][2])) {
      msg = fmt::format("atom {} has non-finite coordinates", atom->tag[i]);
      break;
    }
    const int *jlist = firstneigh[i];
    std::size_t n = 0;
    for (int jj = 0; jj < numneigh[i]; ++jj) {
      const int j = jlist[jj] & NEIGHMASK;
      const double dx = x[j][0] - x[i][0], dy = x[j][1] - x[i][1], dz = x[j][2] - x[i][2];
      if (dx * dx + dy * dy + dz * dz < cut2) {
        disp_[3 * n] = dx;
        disp_[3 * n + 1] = dy;
        disp_[3 * n + 2] = dz;
        ++n;
      }
    }
    if (aceuq_quests_descriptor(qws_, n, disp_.data(), &desc_[r * dim_], &err) != ACEUQ_OK)
      msg = fmt::format("atom {}: {}", atom->tag[i], err.message);
  }
  msg = aceuq_mpi::first_error(world, msg);
  if (!msg.empty()) error->all(FLERR, "compute {} uq/entropy: {}", id, msg);
}

void ComputeUQEntropy::compute_dH_reference()
{
  const std::size_t nrows = row_atom_.size();
  rows_.resize(nrows);
  aceuq_kernel_rows_init(rows_.data(), nrows);
  aceuq_error err;
  aceuq_error_clear(&err);
  std::string msg;
  if (aceuq_kernel_accumulate(kws_, desc_.data(), nrows, reference_.data(), nref_, dim_, bandwidth_,
                              rows_.data(), &err) != ACEUQ_OK)
    msg = err.message;
  msg = aceuq_mpi::first_error(world, msg);
  if (!msg.empty()) error->all(FLERR, "compute {} uq/entropy: {}", id, msg);
  for (std::size_t r = 0; r < nrows; ++r) dH_[r] = -aceuq_kernel_row_log(&rows_[r]);
}

/* self[r] = sum_j K(x_r, x_j) over the group atoms j of all ranks (plain
 * sums: the self term 1 is the largest, no log-sum-exp needed). */
void ComputeUQEntropy::compute_self_sums(std::vector<double> &self)
{
  const std::size_t nrows = row_atom_.size();
  std::string msg;
  auto fail = [&](aceuq_status st, const aceuq_error &err) {
    if (st != ACEUQ_OK && msg.empty()) msg = err.message;
  };
  aceuq_mpi::ring_pair_sums(
      world, desc_.data(), (int)nrows, (int)dim_, self.data(),
      [&](const double *X, int n, double *sums) {
        aceuq_error err;
        aceuq_error_clear(&err);
        fail(aceuq_kernel_self_sums(kws_, X, (std::size_t)n, dim_, bandwidth_, sums, &err), err);
      },
      [&](const double *Y, int ny, double *rsum, const double *X, int nx, double *csum) {
        aceuq_error err;
        aceuq_error_clear(&err);
        fail(aceuq_kernel_cross_sums(kws_, Y, (std::size_t)ny, X, (std::size_t)nx, dim_, bandwidth_, rsum, csum,
                                     &err),
             err);
      });
  msg = aceuq_mpi::first_error(world, msg);
  if (!msg.empty()) error->all(FLERR, "compute {} uq/entropy: {}", id, msg);
}

/* H = ln N - (1/N) sum_i L_i, D = ln sum_i exp(-L_i), L_i = ln sum_j K_ij
 * over all group atoms j (self included, so L_i >= 0). */
void ComputeUQEntropy::reduce_results(const std::vector<double> &self)
{
  double local[5] = {(double)self.size(), 0.0, 0.0, 0.0, 0.0}, sum[5];
  double local_max = -HUGE_VAL, max_dH;
  for (std::size_t r = 0; r < self.size(); ++r) {
    const double L = std::log(self[r]);
    local[1] += L;
    local[2] += std::exp(-L);
    local[3] += dH_[r];
    if (dH_[r] > threshold_) local[4] += 1.0;
    local_max = std::max(local_max, dH_[r]);
  }
  MPI_Allreduce(local, sum, 5, MPI_DOUBLE, MPI_SUM, world);
  MPI_Allreduce(&local_max, &max_dH, 1, MPI_DOUBLE, MPI_MAX, world);
  const double n = sum[0];
  if (n == 0.0) {
    std::fill(results_, results_ + 5, 0.0);
    return;
  }
  results_[0] = std::log(n) - sum[1] / n;
  results_[1] = std::log(sum[2]);
  results_[2] = max_dH;
  results_[3] = sum[3] / n;
  results_[4] = sum[4] / n;
}

void ComputeUQEntropy::fill_peratom()
{
  if (atom->nmax > nmax_) {
    nmax_ = atom->nmax;
    if (descriptors_out_) {
      memory->destroy(peratom_arr_);
      memory->create(peratom_arr_, nmax_, (int)dim_ + 1, "uq/entropy:array");
      array_atom = peratom_arr_;
    } else {
      memory->destroy(peratom_vec_);
      memory->create(peratom_vec_, nmax_, "uq/entropy:vector");
      vector_atom = peratom_vec_;
    }
  }
  const int nlocal = atom->nlocal;
  if (descriptors_out_) {
    for (int i = 0; i < nlocal; ++i) std::fill(peratom_arr_[i], peratom_arr_[i] + dim_ + 1, 0.0);
    for (std::size_t r = 0; r < row_atom_.size(); ++r) {
      double *out = peratom_arr_[row_atom_[r]];
      out[0] = dH_[r];
      std::copy(&desc_[r * dim_], &desc_[r * dim_] + dim_, out + 1);
    }
  } else {
    std::fill(peratom_vec_, peratom_vec_ + nlocal, 0.0);
    for (std::size_t r = 0; r < row_atom_.size(); ++r) peratom_vec_[row_atom_[r]] = dH_[r];
  }
}

double ComputeUQEntropy::memory_usage()
{
  double bytes = (double)(desc_.capacity() + disp_.capacity() + dH_.capacity()) * sizeof(double);
  bytes += (double)nmax_ * (descriptors_out_ ? dim_ + 1 : 1) * sizeof(double);
  bytes += (double)reference_.bytes_owned();
  return bytes;
}
