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

// rows of projections graded per GEMM call (bounds the buffer to kGradeChunk x K per species)
static constexpr std::size_t kGradeChunk = 128;

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
  if (allocated) {
    memory->destroy(setflag);
    memory->destroy(cutsq);
  }
}

void PairACEUQ::release_potential()
{
  aceuq_workspace_free(workspace_);
  aceuq_potential_free(potential_);
  aceuq_grade_workspace_free(grade_ws_);
  workspace_ = nullptr;
  potential_ = nullptr;
  grade_ws_ = nullptr;
  asi_.release();
  asi_loaded_ = false;
  asi_kind_ = ACEUQ_PROJECTIONS_NONE;
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
  for (int i = 0; i < narg; i += 2) {
    std::string key = arg[i];
    if (key != "grade_every")
      error->all(FLERR, "pair_style ace/uq: unknown keyword '{}' (expected grade_every N)", key);
    if (i + 1 >= narg) error->all(FLERR, "pair_style ace/uq: grade_every needs a value");
    grade_every_ = utils::inumeric(FLERR, arg[i + 1], false, lmp);
    if (grade_every_ < 0) error->all(FLERR, "pair_style ace/uq: grade_every must be >= 0 (got {})", grade_every_);
  }
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
  if (comm->me == 0) {
    utils::logmesg(lmp, "pair ace/uq: {} with elements {}, cutoff max {}\n", potential_file_, known,
                   aceuq_potential_cutoff(potential_, -1, -1));
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
  if (grade_every_ > 0 && !asi_loaded_)
    error->all(FLERR, "pair_style ace/uq grade_every {} needs an active set: pair_coeff * * {} pot.asi El ...",
               grade_every_, potential_file_);
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
  const bool grade_now = asi_loaded_ && (grade_request_ || periodic);
  if (grade_now) {
    grow_peratom();
    for (int i = 0; i < nlocal; ++i) gamma_[i] = atom_energy_[i] = 0.0;
    for (auto &c : chunk_atom_) c.clear();
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
    if (grade_now) proj = &chunk_proj_[mu_i][chunk_atom_[mu_i].size() * asi_size_[mu_i]];
    aceuq_error err;
    aceuq_error_clear(&err);
    if (aceuq_evaluate_atom(potential_, workspace_, mu_i, n, nb_species_.data(), nb_rij_.data(), &energy,
                            nb_dE_.data(), grade_now ? asi_kind_ : ACEUQ_PROJECTIONS_NONE, proj,
                            &err) != ACEUQ_OK)
      error->one(FLERR, "pair_style ace/uq: atom {} (step {}): {}", atom->tag[i], update->ntimestep, err.message);
    if (grade_now) {
      atom_energy_[i] = energy;
      chunk_atom_[mu_i].push_back(i);
      if (chunk_atom_[mu_i].size() == kGradeChunk) flush_grades(mu_i);
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
  if (vflag_fdotr) virial_fdotr_compute();
}

/* gamma of the buffered atoms of species mu: one GEMM with the node-shared inverse */
void PairACEUQ::flush_grades(int mu)
{
  const std::size_t n = chunk_atom_[mu].size();
  if (n == 0) return;
  aceuq_error err;
  aceuq_error_clear(&err);
  if (aceuq_dopt_grade_batch(grade_ws_, asi_.data() + asi_offset_[mu], asi_size_[mu], chunk_proj_[mu].data(), n,
                             chunk_gamma_.data(), nullptr, &err) != ACEUQ_OK)
    error->one(FLERR, "pair_style ace/uq: extrapolation grades: {}", err.message);
  for (std::size_t r = 0; r < n; ++r) gamma_[chunk_atom_[mu][r]] = chunk_gamma_[r];
  chunk_atom_[mu].clear();
}

void PairACEUQ::grow_peratom()
{
  if (atom->nmax <= nmax_) return;
  nmax_ = atom->nmax;
  memory->destroy(gamma_);
  memory->destroy(atom_energy_);
  memory->create(gamma_, nmax_, "pair:gamma");
  memory->create(atom_energy_, nmax_, "pair:atom_energy");
}

/* World rank 0 reads and validates the active set; each node leader then fills
 * the node's shared copy (re-reading the file unless it is rank 0). */
void PairACEUQ::load_active_set(const char *file)
{
  const int nel = aceuq_potential_num_elements(potential_);
  aceuq_activeset *as = nullptr;
  aceuq_error err;
  aceuq_error_clear(&err);
  std::string msg;
  if (comm->me == 0 && aceuq_activeset_load(file, potential_, &as, &err) != ACEUQ_OK) msg = err.message;
  msg = aceuq_mpi::first_error(world, msg);
  if (!msg.empty()) error->all(FLERR, "pair_coeff ace/uq: {}", msg);

  // sizes from rank 0: kind, then K per species
  std::vector<unsigned long long> sizes(nel + 1, 0);
  if (comm->me == 0) {
    sizes[0] = (unsigned long long)aceuq_activeset_kind(as);
    for (int mu = 0; mu < nel; ++mu) sizes[mu + 1] = aceuq_activeset_size(as, mu);
  }
  MPI_Bcast(sizes.data(), nel + 1, MPI_UNSIGNED_LONG_LONG, 0, world);
  asi_kind_ = (aceuq_projection_kind)sizes[0];
  asi_size_.assign(nel, 0);
  asi_offset_.assign(nel, 0);
  std::size_t total = 0, maxK = 1;
  for (int mu = 0; mu < nel; ++mu) {
    asi_size_[mu] = sizes[mu + 1];
    asi_offset_[mu] = total;
    total += asi_size_[mu] * asi_size_[mu];
    maxK = std::max(maxK, asi_size_[mu]);
  }
  if (!asi_.allocate(world, total))
    error->all(FLERR, "pair_coeff ace/uq: cannot allocate {:.1f} MB of node-shared memory for {}",
               total * 8.0 / 1048576.0, file);
  if (asi_.is_leader()) {
    if (comm->me != 0 && aceuq_activeset_load(file, potential_, &as, &err) != ACEUQ_OK) msg = err.message;
    for (int mu = 0; msg.empty() && mu < nel; ++mu)
      if (asi_size_[mu] > 0)
        std::memcpy(asi_.data() + asi_offset_[mu], aceuq_activeset_matrix(as, mu),
                    asi_size_[mu] * asi_size_[mu] * sizeof(double));
  }
  aceuq_activeset_free(as);
  msg = aceuq_mpi::first_error(world, msg);
  if (!msg.empty()) error->all(FLERR, "pair_coeff ace/uq: {}", msg);
  asi_.publish();

  if (aceuq_grade_workspace_create(maxK, &grade_ws_, &err) != ACEUQ_OK)
    error->all(FLERR, "pair_coeff ace/uq: {}", err.message);
  chunk_proj_.assign(nel, std::vector<double>());
  chunk_atom_.assign(nel, std::vector<int>());
  for (int mu = 0; mu < nel; ++mu) {
    chunk_proj_[mu].resize(kGradeChunk * std::max<std::size_t>(asi_size_[mu], 1));
    chunk_atom_[mu].reserve(kGradeChunk);
  }
  chunk_gamma_.resize(kGradeChunk);
  asi_loaded_ = true;

  double owned = (double)asi_.bytes_owned(), max_owned;
  MPI_Allreduce(&owned, &max_owned, 1, MPI_DOUBLE, MPI_MAX, world);
  if (comm->me == 0)
    utils::logmesg(lmp,
                   "pair ace/uq: active set {} ({}), {:.2f} MB held once per node (largest share "
                   "allocated by one rank: {:.2f} MB); grades every {} steps{}\n",
                   file, asi_kind_ == ACEUQ_PROJECTIONS_NONLINEAR ? "non-linear" : "linear", total * 8.0 / 1048576.0,
                   max_owned / 1048576.0, grade_every_, grade_every_ == 0 ? " (0: only when requested)" : "");
}

const char *PairACEUQ::element_of_type(int type) const
{
  if (!potential_ || type < 1 || type >= (int)type_species_.size() || type_species_[type] < 0) return nullptr;
  return aceuq_potential_element(potential_, type_species_[type]);
}

/* "gamma_flag": the trigger of stock fix pair (set to 1 before a force call to request grades) */
void *PairACEUQ::extract(const char *name, int &dim)
{
  dim = 0;
  if (strcmp(name, "gamma_flag") == 0) return (void *)&grade_request_;
  return nullptr;
}

#if ACEUQ_LAMMPS_HAS_EXTRACT_PERATOM
void *PairACEUQ::extract_peratom(const char *name, int &ncol)
{
  ncol = 0;
  if (strcmp(name, "gamma") == 0) return (void *)gamma_;
  return nullptr;
}
#endif

double PairACEUQ::memory_usage()
{
  double bytes = Pair::memory_usage();
  bytes += (double)(nb_rij_.capacity() + nb_dE_.capacity()) * sizeof(double);
  bytes += (double)(nb_species_.capacity() + nb_index_.capacity()) * sizeof(int);
  bytes += 2.0 * nmax_ * sizeof(double) + (double)asi_.bytes_owned();
  for (const auto &c : chunk_proj_) bytes += (double)c.capacity() * sizeof(double);
  return bytes;
}
