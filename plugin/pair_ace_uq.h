/* pair_ace_uq.h -- `pair_style ace/uq`: ACE energies, forces and virial from
 * pacemaker (.yaml, B-basis) or ML-PACE (.yace, C-tilde) potential files.
 *
 *   pair_style ace/uq [grade_every N] [local pot.asil]
 *                     [posterior pot.posterior.npz [members bayes|pops|committee] [spread energy|forces]]
 *   pair_coeff * * pot.yaml [pot.asi] El1 El2 ...   (one element per atom type; NULL skips a type)
 *
 * With an active set (.asi) the pair computes D-optimality extrapolation
 * grades gamma_i on steps divisible by N, and on steps where a consumer
 * (fix uq/harvest, stock fix pair) requested them before the force call:
 * projections of all owned atoms of one species are packed in chunks and
 * multiplied with that species' inverse active set in one GEMM each; the
 * inverses are held once per node (MPI shared memory).  With a local model
 * (.asil, clustering-enhanced local D-optimality) each graded atom is also
 * assigned to its nearest cluster centroid and graded with that cluster's
 * inverse (one GEMM per cluster and species per chunk): gamma_local.  With a
 * posterior (aceuq fit's NAME.posterior.npz) the same projection chunks give,
 * on grade steps, every atom's energy deviation b(i) . d_s for all members s
 * (one more GEMM per chunk; aceuq_spread_deviations; the offsets held once per node), read by
 * compute uq/spread;
 * with `spread forces` also every member's force deviation dF_s on every atom
 * (aceuq_spread_forces after each atom: M-wide adjoints on the same A, summed by the core into
 * the rows of the atom and its neighbours; ghost
 * contributions by reverse communication of members x 3 values per atom) and
 * per owned atom the force spread sqrt(mean_s |dF_s - mean dF|^2).
 *
 * Many-body with a full neighbour list and newton pair on: for every owned
 * atom i the core returns E_i and dE_i/dr_ij; forces f_i += dE_i/dr_ij,
 * f_j -= dE_i/dr_ij (ghost forces come back by reverse communication),
 * per-atom virial by ev_tally_xyz, global virial by fdotr -- as ML-PACE. */
#ifndef ACEUQ_PAIR_ACE_UQ_H
#define ACEUQ_PAIR_ACE_UQ_H

#include "pair.h"

#include "aceuq.h"
#include "aceuq_lammps_compat.h"
#include "uq_mpi.h"

#include <string>
#include <vector>

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
  void *extract(const char *name, int &dim) override;
#if ACEUQ_LAMMPS_HAS_EXTRACT_PERATOM
  void *extract_peratom(const char *name, int &ncol) override;
#endif

  // ---- interface for the aceuq computes and fixes (same plugin) ----
  bool has_active_set() const { return asi_loaded_; }
  int grade_every() const { return grade_every_; }
  /* ask for grades in the next force computation (call before it, e.g. in pre_force) */
  void request_grades() { grade_request_ = 1; }
  /* timestep of the last force computation with grades (-1: none yet) */
  bigint grades_step() const { return gamma_step_; }
  /* per owned atom, valid on grades_step(): gamma and the ACE energy E_i */
  const double *gamma() const { return gamma_; }
  const double *atom_energy() const { return atom_energy_; }
  /* with a local model (.asil): per owned atom, valid on grades_step() */
  bool has_local_set() const { return local_loaded_; }
  const double *gamma_local() const { return gamma_local_; }
  const double *cluster_index() const { return cluster_; }   // 0-based cluster of the atom's element
  /* with a posterior: members, and per owned atom (valid on grades_step()) the deviations of the
   * members' energies from E_i, row i = members values */
  bool has_spread() const { return spread_ != nullptr; }
  std::size_t spread_members() const { return spread_members_; }
  const double *member_deviations() const { return member_dev_.data(); }
  const std::string &spread_kind() const { return spread_kind_; }
  /* POPS members with the posterior's Sigma_epi: per owned atom (valid on grades_step()) the
   * epistemic variance b(i)' Sigma_epi b(i); POPS's full std is sqrt(rms^2 + it) */
  bool has_epistemic() const { return spread_ && aceuq_spread_has_covariance(spread_); }
  const double *epistemic_var() const { return epistemic_var_.data(); }
  /* the per-atom energy statistics of owned atom i over the members (valid on grades_step()): std, lo,
   * hi (aceuq_spread_reduce) and, with has_epistemic(), the epistemic std and POPS's full std (else 0) --
   * compute uq/spread's columns 1-3, 5, 6 and fix pair's values */
  void energy_statistics(int i, double out[5]) const;
  /* with spread forces: per owned atom (valid on grades_step()) the spread of the member force vectors */
  bool has_force_spread() const { return force_spread_; }
  const double *force_std() const { return force_std_.data(); }

  int pack_reverse_comm(int n, int first, double *buf) override;
  void unpack_reverse_comm(int n, int *list, double *buf) override;
  /* element symbol of a LAMMPS type (NULL if the type is not handled) */
  const char *element_of_type(int type) const;

 private:
  aceuq_potential *potential_ = nullptr;
  aceuq_workspace *workspace_ = nullptr;
  std::string potential_file_;
  std::vector<int> type_species_;   // LAMMPS type -> species index, -1 = NULL
  std::vector<int> nb_species_, nb_index_;
  std::vector<double> nb_rij_, nb_dE_;

  // D-optimality grades
  int grade_every_ = 0;
  int grade_request_ = 0;
  bool asi_loaded_ = false;
  std::string asi_file_;
  aceuq_projection_kind asi_kind_ = ACEUQ_PROJECTIONS_NONE;
  aceuq_mpi::NodeSharedArray asi_;          // all inverses, one copy per node
  std::vector<std::size_t> asi_offset_, asi_size_;  // per species: offset in asi_, K
  // rows of the uncertainty engine: the active set's projections, or the linear ones when only a
  // posterior is loaded (spreads without grades)
  aceuq_projection_kind uq_kind_ = ACEUQ_PROJECTIONS_NONE;
  // UQ steps compute what the loaded files allow: gamma with an active set, spreads with a posterior
  bool uq_loaded() const { return asi_loaded_ || spread_ != nullptr; }
  std::vector<std::size_t> uq_rows_;              // per species: K of a row
  std::vector<std::vector<double>> chunk_proj_;    // per species: up to block_rows_ rows x K
  std::vector<std::vector<int>> chunk_atom_;       // per species: local atom of each row
  std::vector<double> chunk_gamma_;
  double *gamma_ = nullptr, *atom_energy_ = nullptr;
  int nmax_ = 0;
  bigint gamma_step_ = -1;

  // clustering-enhanced local grades (.asil)
  struct LocalSpecies {
    std::size_t K = 0, d = 0, nclusters = 0;
    std::vector<double> mean, scale, components, centroids;  // feature transform (small, per rank)
    std::vector<std::size_t> offset;                         // per cluster: offset in local_asi_
  };
  std::string local_file_;
  bool local_loaded_ = false;
  std::vector<LocalSpecies> local_;
  aceuq_mpi::NodeSharedArray local_asi_;    // all cluster inverses, one copy per node
  std::vector<int> chunk_cluster_;
  std::vector<double> chunk_gamma_local_;
  double *gamma_local_ = nullptr, *cluster_ = nullptr;

  // energy spreads of posterior members (posterior FILE [members KIND])
  std::string posterior_file_, spread_kind_;
  std::string members_arg_;                 // as given; empty = pops when present, else bayes
  aceuq_spread *spread_ = nullptr;
  aceuq_mpi::NodeSharedArray spread_offsets_;   // members x K offsets d_s, one copy per node
  aceuq_mpi::NodeSharedArray spread_cov_;       // K x K Sigma_epi (POPS members only), one copy per node
  std::vector<double> epistemic_var_, chunk_epi_;   // nmax; block_rows_
  std::size_t spread_members_ = 0;
  std::vector<double> member_dev_, chunk_dev_;   // nmax x members; block_rows_ x members
  bool force_spread_ = false;                    // spread forces
  aceuq_force_precision force_precision_ = ACEUQ_FORCES_DOUBLE; // spread_precision
  std::vector<double> member_force_;             // (nlocal + nghost) x 3 x members: dF_s
  std::vector<float> member_force_f_;            // the same in float (spread_precision single)
  std::vector<double> force_std_;                // nlocal
  std::vector<double> energy_stats_;             // 5 x nmax: energy std, lo, hi, std_epi, std_pops (fix pair)

  // the core's uncertainty engine over the node-shared inverses: grades, local grades and member
  // deviations of blocks of projection rows (block_rows_ rows buffered per species)
  aceuq_uq_engine *uq_ = nullptr;
  std::size_t block_rows_ = 0;

  void allocate();
  void release_potential();
  void load_active_set(const char *file);
  void grow_peratom();
  void flush_grades(int mu);
  void build_uq_engine();
  void load_local_set(const char *file);
  void load_posterior();
};

}    // namespace LAMMPS_NS

#endif
