/* compute_uq_spread.cpp -- see compute_uq_spread.h. */
#include "compute_uq_spread.h"

#include "pair_ace_uq.h"

#include "atom.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "update.h"

#include <algorithm>
#include <cmath>

using namespace LAMMPS_NS;

ComputeUQSpread::ComputeUQSpread(LAMMPS *lmp, int narg, char **arg) : Compute(lmp, narg, arg)
{
  if (narg != 3) error->all(FLERR, "compute {} uq/spread takes no arguments (compute ID group uq/spread)", id);
  scalar_flag = 1;
  extscalar = 0;
  vector_flag = 1;
  size_vector = 8;
  extvector = 0;
  vector = results_;
  peratom_flag = 1;
  size_peratom_cols = 6;
}

ComputeUQSpread::~ComputeUQSpread() { memory->destroy(columns_); }

void ComputeUQSpread::init()
{
  pair_ = dynamic_cast<PairACEUQ *>(force->pair_match("ace/uq", 1, 0));
  if (!pair_) error->all(FLERR, "compute {} uq/spread needs pair_style ace/uq", id);
  if (!pair_->has_spread())
    error->all(FLERR, "compute {} uq/spread: pair_style ace/uq has no posterior (pair_style ace/uq posterior "
               "pot.posterior.npz ..., with pair_coeff * * pot.yaml pot.asi El ...)", id);
}

void ComputeUQSpread::check_fresh(const char *what)
{
  if (pair_->grades_step() == update->ntimestep) return;
  error->all(FLERR,
             "compute {} uq/spread: {} requested on step {}, but pair_style ace/uq computed its grades and spreads "
             "last on step {}: use grade_every N with thermo/dump/fix frequencies that are multiples of N",
             id, what, update->ntimestep, pair_->grades_step());
}

/* sum of the group's deviation rows (all ranks) -> total; per-atom std max / mean */
void ComputeUQSpread::reduce()
{
  const std::size_t M = pair_->spread_members();
  const double *dev = pair_->member_deviations();
  const double *fstd = pair_->has_force_spread() ? pair_->force_std() : nullptr;
  sum_.assign(M + 3, 0.0);
  sum_all_.assign(M + 3, 0.0);
  double local_max[2] = {0.0, 0.0}, global_max[2] = {0.0, 0.0};   // atom energy std, atom force std
  for (int i = 0; i < atom->nlocal; ++i) {
    if (!(atom->mask[i] & groupbit)) continue;
    for (std::size_t s = 0; s < M; ++s) sum_[s] += dev[(std::size_t)i * M + s];
    double sd;
    aceuq_spread_reduce(&dev[(std::size_t)i * M], M, &sd, nullptr, nullptr, nullptr);
    local_max[0] = std::max(local_max[0], sd);
    sum_[M] += sd;
    sum_[M + 1] += 1.0;
    if (fstd) {
      local_max[1] = std::max(local_max[1], fstd[i]);
      sum_[M + 2] += fstd[i];
    }
  }
  MPI_Allreduce(sum_.data(), sum_all_.data(), (int)(M + 3), MPI_DOUBLE, MPI_SUM, world);
  MPI_Allreduce(local_max, global_max, 2, MPI_DOUBLE, MPI_MAX, world);
  aceuq_spread_reduce(sum_all_.data(), M, &results_[0], &results_[3], &results_[1], &results_[2]);
  const double count = sum_all_[M + 1];
  results_[4] = global_max[0];
  results_[5] = count > 0 ? sum_all_[M] / count : 0.0;
  results_[6] = global_max[1];
  results_[7] = count > 0 ? sum_all_[M + 2] / count : 0.0;
}

double ComputeUQSpread::compute_scalar()
{
  invoked_scalar = update->ntimestep;
  check_fresh("the total-energy spread");
  reduce();
  invoked_vector = update->ntimestep;
  scalar = results_[0];
  return scalar;
}

void ComputeUQSpread::compute_vector()
{
  invoked_vector = update->ntimestep;
  check_fresh("the spread statistics");
  reduce();
  invoked_scalar = update->ntimestep;
  scalar = results_[0];
}

void ComputeUQSpread::compute_peratom()
{
  invoked_peratom = update->ntimestep;
  check_fresh("per-atom spreads");
  if (atom->nmax > nmax_) {
    nmax_ = atom->nmax;
    memory->destroy(columns_);
    memory->create(columns_, nmax_, 6, "uq/spread:columns");
    array_atom = columns_;
  }
  const double *fstd = pair_->has_force_spread() ? pair_->force_std() : nullptr;
  for (int i = 0; i < atom->nlocal; ++i) {
    std::fill(columns_[i], columns_[i] + 6, 0.0);
    if (!(atom->mask[i] & groupbit)) continue;
    double v[5];
    pair_->energy_statistics(i, v);
    columns_[i][0] = v[0], columns_[i][1] = v[1], columns_[i][2] = v[2];
    columns_[i][3] = fstd ? fstd[i] : 0.0;
    columns_[i][4] = v[3], columns_[i][5] = v[4];
  }
}

double ComputeUQSpread::memory_usage() { return 6.0 * nmax_ * sizeof(double); }
