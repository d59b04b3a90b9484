/* compute_uq_grade.cpp -- see compute_uq_grade.h. */
#include "compute_uq_grade.h"

#include "pair_ace_uq.h"

#include "atom.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "update.h"
#include "utils.h"

#include <algorithm>
#include <cmath>

using namespace LAMMPS_NS;

ComputeUQGrade::ComputeUQGrade(LAMMPS *lmp, int narg, char **arg) : Compute(lmp, narg, arg)
{
  // the per-atom layout is fixed now: 3 columns when the pair already has a local model (.asil)
  auto *pair = dynamic_cast<PairACEUQ *>(force->pair_match("ace/uq", 1, 0));
  local_columns_ = pair && pair->has_local_set();
  use_local_ = local_columns_;
  for (int i = 3; i < narg; i += 2) {
    std::string key = arg[i];
    if (i + 1 >= narg) error->all(FLERR, "compute {} uq/grade: keyword {} needs a value", id, key);
    if (key == "lower") lower_ = utils::numeric(FLERR, arg[i + 1], false, lmp);
    else if (key == "upper") upper_ = utils::numeric(FLERR, arg[i + 1], false, lmp);
    else if (key == "grade") {
      std::string v = arg[i + 1];
      if (v != "global" && v != "local")
        error->all(FLERR, "compute {} uq/grade: grade must be global or local (got '{}')", id, v);
      use_local_ = v == "local";
      if (use_local_ && !local_columns_)
        error->all(FLERR, "compute {} uq/grade: grade local needs pair_style ace/uq ... local pot.asil defined "
                   "before this compute", id);
    } else
      error->all(FLERR, "compute {} uq/grade: unknown keyword '{}' (expected lower, upper or grade)", id, key);
  }
  if (!(lower_ < upper_))
    error->all(FLERR, "compute {} uq/grade: lower ({}) must be smaller than upper ({})", id, lower_, upper_);
  scalar_flag = 1;
  extscalar = 0;
  vector_flag = 1;
  size_vector = 4;
  extvector = 0;
  vector = results_;
  peratom_flag = 1;
  size_peratom_cols = local_columns_ ? 3 : 0;   // [gamma, gamma_local, cluster] or gamma
}

ComputeUQGrade::~ComputeUQGrade()
{
  memory->destroy(gamma_atom_);
  memory->destroy(columns_atom_);
}

void ComputeUQGrade::init()
{
  pair_ = dynamic_cast<PairACEUQ *>(force->pair_match("ace/uq", 1, 0));
  if (!pair_) error->all(FLERR, "compute {} uq/grade needs pair_style ace/uq", id);
  if (!pair_->has_active_set())
    error->all(FLERR, "compute {} uq/grade: pair_style ace/uq has no active set "
               "(pair_coeff * * pot.yaml pot.asi El ...)", id);
  if (pair_->has_local_set() != local_columns_)
    error->all(FLERR, "compute {} uq/grade: pair_style ace/uq {} a local model (.asil) now but {} when the compute "
               "was defined: define the compute after pair_style/pair_coeff", id,
               pair_->has_local_set() ? "has" : "has no", local_columns_ ? "had one" : "had none");
}

void ComputeUQGrade::check_fresh(const char *what)
{
  if (pair_->grades_step() == update->ntimestep) return;
  const int every = pair_->grade_every();
  if (every > 0)
    error->all(FLERR,
               "compute {} uq/grade: {} requested on step {}, but pair_style ace/uq computes grades only on "
               "steps divisible by grade_every {} (and the first and last step of a run): use thermo/dump/fix "
               "frequencies that are multiples of {}",
               id, what, update->ntimestep, every, every);
  error->all(FLERR,
             "compute {} uq/grade: {} requested on step {} without fresh grades: set pair_style ace/uq "
             "grade_every N (N = the thermo/dump/fix frequency that uses this compute), or use fix uq/harvest",
             id, what, update->ntimestep);
}

/* max, mean and the counts above the bounds over the group's owned atoms */
void ComputeUQGrade::reduce()
{
  const double *gamma = use_local_ ? pair_->gamma_local() : pair_->gamma();
  const int *mask = atom->mask;
  double local[4] = {0.0, 0.0, 0.0, 0.0}, sum[4], local_max = 0.0; /* sum, n > L, n > U, n */
  for (int i = 0; i < atom->nlocal; ++i) {
    if (!(mask[i] & groupbit)) continue;
    const double g = gamma[i];
    local_max = std::max(local_max, g);
    local[0] += g;
    if (g > lower_) local[1] += 1.0;
    if (g > upper_) local[2] += 1.0;
    local[3] += 1.0;
  }
  MPI_Allreduce(local, sum, 4, MPI_DOUBLE, MPI_SUM, world);
  MPI_Allreduce(&local_max, &results_[0], 1, MPI_DOUBLE, MPI_MAX, world);
  results_[1] = sum[3] > 0 ? sum[0] / sum[3] : 0.0;
  results_[2] = sum[1];
  results_[3] = sum[2];
}

double ComputeUQGrade::compute_scalar()
{
  invoked_scalar = update->ntimestep;
  check_fresh("max gamma");
  reduce();
  invoked_vector = update->ntimestep;  // reduce() filled the vector too: c_ID[n] is current as well
  scalar = results_[0];
  return scalar;
}

void ComputeUQGrade::compute_vector()
{
  invoked_vector = update->ntimestep;
  check_fresh("the gamma statistics");
  reduce();
  invoked_scalar = update->ntimestep;
  scalar = results_[0];
}

void ComputeUQGrade::compute_peratom()
{
  invoked_peratom = update->ntimestep;
  check_fresh("per-atom gamma");
  if (atom->nmax > nmax_) {
    nmax_ = atom->nmax;
    if (local_columns_) {
      memory->destroy(columns_atom_);
      memory->create(columns_atom_, nmax_, 3, "uq/grade:columns");
      array_atom = columns_atom_;
    } else {
      memory->destroy(gamma_atom_);
      memory->create(gamma_atom_, nmax_, "uq/grade:gamma");
      vector_atom = gamma_atom_;
    }
  }
  const double *gamma = pair_->gamma();
  for (int i = 0; i < atom->nlocal; ++i) {
    const bool in = atom->mask[i] & groupbit;
    if (!local_columns_) {
      gamma_atom_[i] = in ? gamma[i] : 0.0;
      continue;
    }
    columns_atom_[i][0] = in ? gamma[i] : 0.0;
    columns_atom_[i][1] = in ? pair_->gamma_local()[i] : 0.0;
    columns_atom_[i][2] = in ? pair_->cluster_index()[i] : -1.0;
  }
}

double ComputeUQGrade::memory_usage()
{
  return (double)nmax_ * (local_columns_ ? 3 : 1) * sizeof(double);
}
