/* compute_uq_grade.h -- `compute ID group uq/grade [lower L] [upper U] [grade global|local]`:
 * D-optimality extrapolation grades computed by pair_style ace/uq.
 *   per atom : gamma_i (0 outside the group); with a local model (.asil) loaded
 *              before the compute is defined: 3 columns gamma, gamma_local,
 *              cluster index (-1 outside the group)
 *   scalar   : max gamma over the group (all ranks)
 *   vector   : [max, mean, count gamma > L, count gamma > U]   (defaults L = 5, U = 25)
 *   (scalar and vector reduce gamma_local when a local model is loaded, unless grade global)
 * The grades must be fresh: the pair computes them on steps divisible by its
 * grade_every (or when fix uq/harvest asks); otherwise this compute stops
 * with an error that says how to set grade_every. */
#ifndef ACEUQ_COMPUTE_UQ_GRADE_H
#define ACEUQ_COMPUTE_UQ_GRADE_H

#include "compute.h"

namespace LAMMPS_NS {

class PairACEUQ;

class ComputeUQGrade : public Compute {
 public:
  ComputeUQGrade(class LAMMPS *lmp, int narg, char **arg);
  ~ComputeUQGrade() override;
  void init() override;
  double compute_scalar() override;
  void compute_vector() override;
  void compute_peratom() override;
  double memory_usage() override;

 private:
  double lower_ = 5.0, upper_ = 25.0;
  double results_[4] = {0, 0, 0, 0};
  PairACEUQ *pair_ = nullptr;
  int nmax_ = 0;
  double *gamma_atom_ = nullptr;
  double **columns_atom_ = nullptr;
  bool local_columns_ = false;   // pair had a local model at construction: 3 per-atom columns
  bool use_local_ = false;       // reductions over gamma_local

  void check_fresh(const char *what);
  void reduce();
};

}    // namespace LAMMPS_NS

#endif
