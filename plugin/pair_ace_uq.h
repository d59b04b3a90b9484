/* pair_ace_uq.h -- `pair_style ace/uq`: ACE energies, forces and virial from
 * pacemaker (.yaml, B-basis) or ML-PACE (.yace, C-tilde) potential files.
 *
 *   pair_style ace/uq
 *   pair_coeff * * pot.yaml El1 El2 ...     (one element per atom type; NULL skips a type)
 *
 * Many-body with a full neighbour list and newton pair on: for every owned
 * atom i the core returns E_i and dE_i/dr_ij; forces f_i += dE_i/dr_ij,
 * f_j -= dE_i/dr_ij (ghost forces come back by reverse communication),
 * per-atom virial by ev_tally_xyz, global virial by fdotr -- as ML-PACE. */
#ifndef ACEUQ_PAIR_ACE_UQ_H
#define ACEUQ_PAIR_ACE_UQ_H

#include "pair.h"

#include <string>
#include <vector>

#include "aceuq.h"

namespace LAMMPS_NS {

class PairACEUQ : public Pair {
 public:
  PairACEUQ(class LAMMPS *lmp);
  ~PairACEUQ() override;
  void compute(int eflag, int vflag) override;
  void settings(int narg, char **arg) override;
  void coeff(int narg, char **arg) override;
  void init_style() override;
  double init_one(int i, int j) override;
  double memory_usage() override;

 private:
  aceuq_potential *potential_ = nullptr;
  aceuq_workspace *workspace_ = nullptr;
  std::string potential_file_;
  std::vector<int> type_species_;   // LAMMPS type -> species index, -1 = NULL
  std::vector<int> nb_species_, nb_index_;
  std::vector<double> nb_rij_, nb_dE_;

  void allocate();
  void release_potential();
};

}    // namespace LAMMPS_NS

#endif
