/* fix_uq_harvest.h -- `fix ID group uq/harvest N file.xyz lower L upper U [max_frames M]
 * [signal gamma|gamma_local|energy_std|force_std]`:
 * every N steps, ask pair_style ace/uq for extrapolation grades and, if
 * L <= max signal (over the group) < U, append the whole configuration to
 * file.xyz as extended XYZ (element names, cell, pbc, step, per-atom gamma,
 * forces and ACE energies); frames with max signal >= U are skipped (usually
 * unphysical); stop writing after M frames.  The signal (default gamma) is
 * any per-atom uncertainty the pair computes on its grade steps: gamma, the
 * local gamma (local FILE.asil), the members' energy std or force spread
 * (posterior FILE, force_std with spread forces).  One writer (rank 0) streams the
 * atoms rank by rank: no rank holds more than its own atoms plus one other
 * rank's block. */
#ifndef ACEUQ_FIX_UQ_HARVEST_H
#define ACEUQ_FIX_UQ_HARVEST_H

#include "fix.h"

#include <cstdio>
#include <string>
#include <vector>

namespace LAMMPS_NS {

class PairACEUQ;

class FixUQHarvest : public Fix {
 public:
  FixUQHarvest(class LAMMPS *lmp, int narg, char **arg);
  ~FixUQHarvest() override;
  int setmask() override;
  void init() override;
  void setup_pre_force(int vflag) override;
  void pre_force(int vflag) override;
  void setup(int vflag) override;
  void end_of_step() override;
  double compute_scalar() override;

 private:
  std::string file_;
  double lower_ = 5.0, upper_ = 25.0;
  std::string signal_ = "gamma";
  bigint max_frames_ = -1;   // -1: unlimited
  bigint frames_ = 0, skipped_high_ = 0;
  bigint last_step_ = -1;
  FILE *fp_ = nullptr;
  PairACEUQ *pair_ = nullptr;
  std::vector<std::string> type_element_;

  void harvest();
  void write_frame(double max_gamma, double max_signal);
  double atom_signal(int i) const;
};

}    // namespace LAMMPS_NS

#endif
