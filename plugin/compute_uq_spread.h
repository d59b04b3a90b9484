/* compute_uq_spread.h -- `compute ID group uq/spread`: energy spreads of the posterior members
 * of pair_style ace/uq ... posterior FILE (docs/compute_uq_spread.md).
 *   per-atom array (4): std, lo, hi of the members' E_i around the potential's (eV); with
 *                       pair_style ... spread forces the spread of the members' force vectors
 *                       sqrt(mean_s |F_s,i - mean F_i|^2) (eV/A; 0 without)
 *   global scalar: std of the group's total energy over the members (eV)
 *   global vector (8): total std, total lo, total hi, total rms, max and mean per-atom std,
 *                      max and mean per-atom force spread (0 without spread forces)
 * The total comes from the sum of the atoms' member deviations (MPI-reduced): the atoms' deviations
 * are correlated, sigma_E is not sqrt(sum_i sigma_i^2).  Valid on the pair's grade steps. */
#ifdef COMPUTE_CLASS
ComputeStyle(uq/spread, ComputeUQSpread);
#else
#ifndef ACEUQ_COMPUTE_UQ_SPREAD_H
#define ACEUQ_COMPUTE_UQ_SPREAD_H

#include "compute.h"

#include <vector>

namespace LAMMPS_NS {

class PairACEUQ;

class ComputeUQSpread : public Compute {
 public:
  ComputeUQSpread(class LAMMPS *lmp, int narg, char **arg);
  ~ComputeUQSpread() override;
  void init() override;
  double compute_scalar() override;
  void compute_vector() override;
  void compute_peratom() override;
  double memory_usage() override;

 private:
  PairACEUQ *pair_ = nullptr;
  double results_[8] = {0, 0, 0, 0, 0, 0};
  double **columns_ = nullptr;
  int nmax_ = 0;
  std::vector<double> sum_, sum_all_;
  void check_fresh(const char *what);
  void reduce();
};

}    // namespace LAMMPS_NS

#endif
#endif
