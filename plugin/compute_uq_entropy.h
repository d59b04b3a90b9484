/* compute_uq_entropy.h -- `compute ID group uq/entropy [keywords]`:
 * information entropy of atomic-environment descriptors (QUESTS method).
 *
 *   per atom : dH_i = -ln sum_j K(x_i, r_j) against the reference set r
 *              (against the group's own environments when no reference is
 *              given); with `descriptors yes` an array [dH, x_1 .. x_{2k-1}]
 *   scalar   : H = -(1/N) sum_i ln((1/N) sum_j K(x_i, x_j)) over the group
 *   vector   : [H, diversity, max dH, mean dH, fraction of atoms with dH > t]
 * K(x, y) = exp(-|x - y|^2 / (2 h^2)).  See docs/compute_uq_entropy.md. */
#ifndef ACEUQ_COMPUTE_UQ_ENTROPY_H
#define ACEUQ_COMPUTE_UQ_ENTROPY_H

#include "aceuq.h"
#include "compute.h"
#include "uq_mpi.h"

#include <string>
#include <vector>

namespace LAMMPS_NS {

class ComputeUQEntropy : public Compute {
 public:
  ComputeUQEntropy(class LAMMPS *lmp, int narg, char **arg);
  ~ComputeUQEntropy() override;
  void init() override;
  void init_list(int id, class NeighList *ptr) override;
  double compute_scalar() override;
  void compute_vector() override;
  void compute_peratom() override;
  double memory_usage() override;

 private:
  // settings
  double cutoff_ = 5.0, bandwidth_ = 0.015, threshold_ = 0.0;
  int k_ = 32;
  bool descriptors_out_ = false;
  std::string reference_file_;

  // core workspaces and the node-shared reference descriptors
  aceuq_quests_workspace *qws_ = nullptr;
  aceuq_kernel_workspace *kws_ = nullptr;
  aceuq_mpi::NodeSharedArray reference_;
  std::size_t nref_ = 0, dim_ = 0;

  class NeighList *list_ = nullptr;
  std::vector<double> desc_;    // group atoms owned here x dim_
  std::vector<int> row_atom_;   // local atom index of each descriptor row
  std::vector<double> disp_;    // neighbour displacements of one atom
  std::vector<aceuq_kernel_row> rows_;
  std::vector<double> dH_;      // per descriptor row
  double results_[5] = {0, 0, 0, 0, 0};
  long long last_key_[2] = {-1, -1};

  // per-atom output storage
  int nmax_ = 0;
  double *peratom_vec_ = nullptr;
  double **peratom_arr_ = nullptr;

  void parse(int narg, char **arg);
  void load_reference();
  void evaluate();
  void compute_descriptors();
  void compute_dH_reference();
  void compute_self_sums(std::vector<double> &self);
  void reduce_results(const std::vector<double> &self);
  void fill_peratom();
};

}    // namespace LAMMPS_NS

#endif
