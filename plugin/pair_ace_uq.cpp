/* pair_ace_uq.cpp -- see pair_ace_uq.h. */
#include "pair_ace_uq.h"

#include "aceuq.h"
#include "aceuq_lammps_compat.h"

#include "atom.h"
#include "comm.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "neigh_list.h"
#include "neighbor.h"
#include "update.h"
#include "utils.h"

#include <algorithm>
#include <cstring>

using namespace LAMMPS_NS;


PairACEUQ::PairACEUQ(LAMMPS *lmp) : Pair(lmp)
{
  single_enable = 0;
  restartinfo = 0;
  one_coeff = 1;
  manybody_flag = 1;
  centroidstressflag = CENTROID_NOTAVAIL;
}

PairACEUQ::~PairACEUQ()
{
  release_potential();
  memory->destroy(gamma_);
  memory->destroy(atom_energy_);
  memory->destroy(gamma_local_);
  memory->destroy(cluster_);
  if (allocated) {
    memory->destroy(setflag);
    memory->destroy(cutsq);
  }
}

void PairACEUQ::release_potential()
{
  aceuq_workspace_free(workspace_);
  aceuq_potential_free(potential_);
  aceuq_uq_engine_free(uq_);
  uq_ = nullptr;
  block_rows_ = 0;
  local_asi_.release();
  local_.clear();
  local_loaded_ = false;
  workspace_ = nullptr;
  potential_ = nullptr;
  asi_.release();
  asi_loaded_ = false;
  asi_kind_ = ACEUQ_PROJECTIONS_NONE;
  aceuq_spread_free(spread_);
  spread_ = nullptr;
  spread_offsets_.release();
  spread_cov_.release();
  spread_members_ = 0;
  std::vector<double>().swap(member_dev_);
  std::vector<double>().swap(chunk_dev_);
  std::vector<double>().swap(member_force_);
  std::vector<float>().swap(member_force_f_);
  std::vector<double>().swap(force_std_);
  std::vector<double>().swap(energy_stats_);
  std::vector<double>().swap(epistemic_var_);
  std::vector<double>().swap(chunk_epi_);
  comm_reverse = 0;
}

void PairACEUQ::allocate()
{
  allocated = 1;
  const int n = atom->ntypes;
  memory->create(setflag, n + 1, n + 1, "pair:setflag");
  memory->create(cutsq, n + 1, n + 1, "pair:cutsq");
  for (int i = 1; i <= n; ++i)
    for (int j = 1; j <= n; ++j) setflag[i][j] = 0;
}

void PairACEUQ::settings(int narg, char **arg)
{
  grade_every_ = 0;
  local_file_.clear();
  posterior_file_.clear();
  members_arg_.clear();
  std::string spread_arg, precision_arg;
  for (int i = 0; i < narg; i += 2) {
    std::string key = arg[i];
    if (key != "grade_every" && key != "local" && key != "posterior" && key != "members" && key != "spread" &&
        key != "spread_precision")
      error->all(FLERR, "pair_style ace/uq: unknown keyword '{}' (expected grade_every N, local file.asil, "
                 "posterior file.posterior.npz, members bayes|pops|committee, spread energy|forces, "
                 "spread_precision double|single)", key);
    if (i + 1 >= narg) error->all(FLERR, "pair_style ace/uq: {} needs a value", key);
    if (key == "local") {
      local_file_ = arg[i + 1];
      continue;
    }
    if (key == "posterior") {
      posterior_file_ = arg[i + 1];
      continue;
    }
    if (key == "members") {
      members_arg_ = arg[i + 1];
      if (members_arg_ != "bayes" && members_arg_ != "pops" && members_arg_ != "committee")
        error->all(FLERR, "pair_style ace/uq: members must be bayes, pops or committee (got '{}')", members_arg_);
      continue;
    }
    if (key == "spread") {
      spread_arg = arg[i + 1];
      if (spread_arg != "energy" && spread_arg != "forces")
        error->all(FLERR, "pair_style ace/uq: spread must be energy or forces (got '{}')", spread_arg);
      continue;
    }
    if (key == "spread_precision") {
      precision_arg = arg[i + 1];
      if (precision_arg != "double" && precision_arg != "single")
        error->all(FLERR, "pair_style ace/uq: spread_precision must be double or single (got '{}')", precision_arg);
      continue;
    }
    grade_every_ = utils::inumeric(FLERR, arg[i + 1], false, lmp);
    if (grade_every_ < 0) error->all(FLERR, "pair_style ace/uq: grade_every must be >= 0 (got {})", grade_every_);
  }
  if (!members_arg_.empty() && posterior_file_.empty())
    error->all(FLERR, "pair_style ace/uq: members {} needs posterior file.posterior.npz", members_arg_);
  if (!spread_arg.empty() && posterior_file_.empty())
    error->all(FLERR, "pair_style ace/uq: spread {} needs posterior file.posterior.npz", spread_arg);
  force_spread_ = spread_arg == "forces";
  if (!precision_arg.empty() && !force_spread_)
    error->all(FLERR, "pair_style ace/uq: spread_precision {} applies to force spreads: add spread forces",
               precision_arg);
  force_precision_ = precision_arg == "single" ? ACEUQ_FORCES_SINGLE : ACEUQ_FORCES_DOUBLE;
}

void PairACEUQ::coeff(int narg, char **arg)
{
  if (!allocated) allocate();
  const int ntypes = atom->ntypes;
  if (narg < 3 || strcmp(arg[0], "*") != 0 || strcmp(arg[1], "*") != 0)
    error->all(FLERR, "pair_coeff for ace/uq must be: pair_coeff * * potential.(yaml|yace) El1 ... El{}", ntypes);
  potential_file_ = arg[2];
  int first_element = 3;
  asi_file_.clear();
  if (narg > 3 && utils::strmatch(arg[3], "\\.asi$")) {
    asi_file_ = arg[3];
    first_element = 4;
  }
  if (narg - first_element != ntypes)
    error->all(FLERR, "pair_coeff ace/uq: {} element names given for {} atom types (one per type, NULL to skip)",
               narg - first_element, ntypes);

  release_potential();
  aceuq_error err;
  aceuq_error_clear(&err);
  if (aceuq_potential_load(potential_file_.c_str(), &potential_, &err) != ACEUQ_OK ||
      aceuq_workspace_create(potential_, &workspace_, &err) != ACEUQ_OK) {
    release_potential();
    error->all(FLERR, "pair_coeff ace/uq: {}", err.message);
  }
  std::string known;
  for (int e = 0; e < aceuq_potential_num_elements(potential_); ++e)
    known += std::string(e ? " " : "") + aceuq_potential_element(potential_, e);
  type_species_.assign(ntypes + 1, -1);
  for (int t = 1; t <= ntypes; ++t) {
    const char *el = arg[first_element - 1 + t];
    if (strcmp(el, "NULL") == 0) continue;
    type_species_[t] = aceuq_potential_element_index(potential_, el);
    if (type_species_[t] < 0)
      error->all(FLERR, "pair_coeff ace/uq: element {} (atom type {}) is not in {} (it has: {})", el, t,
                 potential_file_, known);
  }
  for (int i = 1; i <= ntypes; ++i)
    for (int j = 1; j <= ntypes; ++j) setflag[i][j] = (type_species_[i] >= 0 && type_species_[j] >= 0);
  if (!asi_file_.empty()) load_active_set(asi_file_.c_str());
  if (!local_file_.empty()) {
    if (!asi_loaded_)
      error->all(FLERR, "pair_style ace/uq local {}: the clustered active sets come with the global one: "
                 "pair_coeff * * {} pot.asi El ... (aceuq activeset --local writes both)", local_file_,
                 potential_file_);
    load_local_set(local_file_.c_str());
  }
  if (!posterior_file_.empty()) load_posterior();
  if (uq_loaded()) build_uq_engine();
  if (comm->me == 0) {
    utils::logmesg(lmp, "pair ace/uq: {} with elements {}, cutoff max {}\n", potential_file_, known,
                   aceuq_potential_cutoff(potential_, -1, -1));
    for (size_t i = 0; i < aceuq_potential_num_notes(potential_); ++i)
      utils::logmesg(lmp, "pair ace/uq: note: {}\n", aceuq_potential_note(potential_, i));
    if (aceuq_potential_notes_dropped(potential_) > 0)
      utils::logmesg(lmp, "pair ace/uq: note: ... and {} more notes (aceuq info {} lists them)\n",
                     aceuq_potential_notes_dropped(potential_), potential_file_);
    if (aceuq_potential_ordering_ties(potential_) > 0)
      error->warning(FLERR, "pair ace/uq: {} pairs of basis functions in {} have equal sort keys; their "
                     "projection order is unspecified in ML-PACE as well (matters for .asi files only)",
                     aceuq_potential_ordering_ties(potential_), potential_file_);
  }
}

void PairACEUQ::init_style()
{
  if (!potential_) error->all(FLERR, "pair_style ace/uq: no potential (pair_coeff * * file El ...) given");
  if (force->newton_pair == 0) error->all(FLERR, "pair_style ace/uq requires newton pair on");
  if (atom->tag_enable == 0) error->all(FLERR, "pair_style ace/uq requires atom IDs");
  if (grade_every_ > 0 && !uq_loaded())
    error->all(FLERR, "pair_style ace/uq grade_every {} needs an active set (pair_coeff * * {} pot.asi El ...) or "
               "a posterior (pair_style ace/uq ... posterior pot.posterior.npz)", grade_every_, potential_file_);
  aceuq_compat::request_full_list(lmp, this, instance_me);
}

double PairACEUQ::init_one(int i, int j)
{
  if (setflag[i][j] == 0) error->all(FLERR, "pair_style ace/uq: all pair coeffs are not set");
  return aceuq_potential_cutoff(potential_, type_species_[i], type_species_[j]);
}

void PairACEUQ::compute(int eflag, int vflag)
{
  ev_init(eflag, vflag);
  double **x = atom->x, **f = atom->f;
  const int *type = atom->type;
  const int nlocal = atom->nlocal;
  const int inum = list->inum;
  const int *ilist = list->ilist, *numneigh = list->numneigh;
  int **firstneigh = list->firstneigh;
  const double cutmax2 = cutforce * cutforce;

  // grades when a consumer asked for them and, with grade_every N > 0, on steps divisible by N and on the
  // first and last step of every run (thermo output always includes those)
  const bigint step = update->ntimestep;
  const bool periodic = grade_every_ > 0 && (step % grade_every_ == 0 || update->setupflag || step == update->laststep);
  if (grade_request_ && !uq_loaded())
    error->all(FLERR, "pair_style ace/uq: grades (gamma) were requested, e.g. by fix pair, but no active set is "
               "loaded: pair_coeff * * {} pot.asi El ...", potential_file_);
  const bool grade_now = uq_loaded() && (grade_request_ || periodic);
  if (grade_now) {
    grow_peratom();
    for (int i = 0; i < nlocal; ++i) gamma_[i] = atom_energy_[i] = gamma_local_[i] = cluster_[i] = 0.0;
    if (spread_) std::fill(member_dev_.begin(), member_dev_.begin() + (std::size_t)nlocal * spread_members_, 0.0);
    if (has_epistemic()) std::fill(epistemic_var_.begin(), epistemic_var_.begin() + nlocal, 0.0);
    for (auto &c : chunk_atom_) c.clear();
  }
  const bool force_spread_now = grade_now && spread_ && force_spread_;
  // per atom (local and ghost) 3 rows (x, y, z) of M member force deviations; on these steps the forces
  // come from the same pass (aceuq_spread_forces)
  // (spread_precision single: rows of floats, half the memory the sums touch)
  const std::size_t M3 = 3 * spread_members_;
  const bool float_rows = force_precision_ == ACEUQ_FORCES_SINGLE;
  if (force_spread_now) {
    const std::size_t nall = (std::size_t)(nlocal + atom->nghost), need = (std::size_t)atom->nmax * M3;
    if (float_rows) {
      if (member_force_f_.size() < need) member_force_f_.resize(need);
      std::fill(member_force_f_.begin(), member_force_f_.begin() + nall * M3, 0.0f);
    } else {
      if (member_force_.size() < need) member_force_.resize(need);
      std::fill(member_force_.begin(), member_force_.begin() + nall * M3, 0.0);
    }
  }

  for (int ii = 0; ii < inum; ++ii) {
    const int i = ilist[ii];
    const int mu_i = type_species_[type[i]];
    if (mu_i < 0) continue;
    const int *jlist = firstneigh[i];
    const int jnum = numneigh[i];
    if ((int)nb_species_.size() < jnum) {
      nb_species_.resize(jnum);
      nb_index_.resize(jnum);
      nb_rij_.resize(3 * (size_t)jnum);
      nb_dE_.resize(3 * (size_t)jnum);
    }
    size_t n = 0;
    for (int jj = 0; jj < jnum; ++jj) {
      const int j = jlist[jj] & NEIGHMASK;
      const int mu_j = type_species_[type[j]];
      if (mu_j < 0) continue;
      const double dx = x[j][0] - x[i][0], dy = x[j][1] - x[i][1], dz = x[j][2] - x[i][2];
      if (dx * dx + dy * dy + dz * dz >= cutmax2) continue;
      nb_species_[n] = mu_j;
      nb_index_[n] = j;
      nb_rij_[3 * n] = dx;
      nb_rij_[3 * n + 1] = dy;
      nb_rij_[3 * n + 2] = dz;
      ++n;
    }
    double energy, *proj = nullptr;
    if (grade_now) proj = &chunk_proj_[mu_i][chunk_atom_[mu_i].size() * uq_rows_[mu_i]];
    aceuq_error err;
    aceuq_error_clear(&err);
    if (aceuq_evaluate_atom(potential_, workspace_, mu_i, n, nb_species_.data(), nb_rij_.data(), &energy,
                            force_spread_now ? nullptr : nb_dE_.data(), grade_now ? uq_kind_ : ACEUQ_PROJECTIONS_NONE, proj,
                            &err) != ACEUQ_OK)
      error->one(FLERR, "pair_style ace/uq: atom {} (step {}): {}", atom->tag[i], update->ntimestep, err.message);
    if (force_spread_now && /* every member's force deviations, summed into their rows, and this atom's forces */
        (float_rows ? aceuq_spread_forces_float(spread_, workspace_, mu_i, n, nb_index_.data(), i,
                                                member_force_f_.data(), nb_dE_.data(), &err)
                    : aceuq_spread_forces(spread_, workspace_, mu_i, n, nb_index_.data(), i, member_force_.data(),
                                          nb_dE_.data(), &err)) != ACEUQ_OK)
      error->one(FLERR, "pair_style ace/uq: force spreads, atom {} (step {}): {}", atom->tag[i], update->ntimestep,
                 err.message);
    if (grade_now) {
      atom_energy_[i] = energy;
      chunk_atom_[mu_i].push_back(i);
      if (chunk_atom_[mu_i].size() == block_rows_) flush_grades(mu_i);
    }
    for (size_t k = 0; k < n; ++k) {
      const int j = nb_index_[k];
      const double *d = &nb_dE_[3 * k];
      f[i][0] += d[0];
      f[i][1] += d[1];
      f[i][2] += d[2];
      f[j][0] -= d[0];
      f[j][1] -= d[1];
      f[j][2] -= d[2];
      if (vflag_either)
        ev_tally_xyz(i, j, nlocal, 1, 0.0, 0.0, d[0], d[1], d[2], -nb_rij_[3 * k], -nb_rij_[3 * k + 1],
                     -nb_rij_[3 * k + 2]);
    }
    if (eflag) ev_tally_full(i, 2.0 * energy, 0.0, 0.0, 0.0, 0.0, 0.0);
  }
  if (grade_now) {
    for (int mu = 0; mu < (int)chunk_atom_.size(); ++mu) flush_grades(mu);
    gamma_step_ = update->ntimestep;
    grade_request_ = 0;
  }
  if (force_spread_now) {
    aceuq_compat::reverse_comm(lmp, this);   // ghosts' member forces onto their owners
    if ((int)force_std_.size() < nlocal) force_std_.resize(atom->nmax);
    for (int i = 0; i < nlocal; ++i)
      force_std_[i] = float_rows ? aceuq_spread_force_std_float(&member_force_f_[(std::size_t)i * M3], spread_members_)
                                 : aceuq_spread_force_std(&member_force_[(std::size_t)i * M3], spread_members_);
  }
  if (vflag_fdotr) virial_fdotr_compute();
}

int PairACEUQ::pack_reverse_comm(int n, int first, double *buf)
{
  const std::size_t M3 = 3 * spread_members_, nv = (std::size_t)n * M3;
  if (force_precision_ == ACEUQ_FORCES_SINGLE) // floats travel as doubles (exact)
    std::copy_n(&member_force_f_[(std::size_t)first * M3], nv, buf);
  else
    std::memcpy(buf, &member_force_[(std::size_t)first * M3], nv * sizeof(double));
  return (int)nv;
}

void PairACEUQ::unpack_reverse_comm(int n, int *list, double *buf)
{
  const std::size_t M3 = 3 * spread_members_;
  if (force_precision_ == ACEUQ_FORCES_SINGLE) {
    for (int k = 0; k < n; ++k) {
      float *f = &member_force_f_[(std::size_t)list[k] * M3];
      for (std::size_t q = 0; q < M3; ++q) f[q] += (float)buf[(std::size_t)k * M3 + q];
    }
    return;
  }
  for (int k = 0; k < n; ++k) {
    double *f = &member_force_[(std::size_t)list[k] * M3];
    for (std::size_t q = 0; q < M3; ++q) f[q] += buf[(std::size_t)k * M3 + q];
  }
}

double PairACEUQ::memory_usage()
{
  double bytes = Pair::memory_usage();
  bytes += (double)(nb_rij_.capacity() + nb_dE_.capacity()) * sizeof(double);
  bytes += (double)(nb_species_.capacity() + nb_index_.capacity()) * sizeof(int);
  bytes += 4.0 * nmax_ * sizeof(double) + (double)asi_.bytes_owned() + (double)local_asi_.bytes_owned() +
           (double)spread_offsets_.bytes_owned() + (double)spread_cov_.bytes_owned();
  for (const auto &c : chunk_proj_) bytes += (double)c.capacity() * sizeof(double);
  bytes += (double)(member_dev_.capacity() + member_force_.capacity() +
                    force_std_.capacity() + epistemic_var_.capacity()) * sizeof(double);
  bytes += (double)member_force_f_.capacity() * sizeof(float);
  return bytes;
}
