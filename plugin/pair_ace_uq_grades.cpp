/* pair_ace_uq_grades.cpp -- the extrapolation-grade part of pair_style ace/uq
 * (see pair_ace_uq.h): active sets (.asi) and local models (.asil) held once
 * per node, chunked GEMM grades, and the accessors used by compute uq/grade,
 * fix uq/harvest and stock fix pair. */
#include "pair_ace_uq.h"

#include "aceuq.h"

#include "atom.h"
#include "comm.h"
#include "error.h"
#include "memory.h"
#include "update.h"
#include "utils.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace LAMMPS_NS;

/* The buffered atoms of species mu: gamma, and with a local model gamma_local and the cluster, and
 * with a posterior every member's energy deviation -- one call of the core's engine (one GEMM per
 * signal, one per cluster present), then scattered to the atoms. */
void PairACEUQ::flush_grades(int mu)
{
  const std::size_t n = chunk_atom_[mu].size();
  if (n == 0) return;
  aceuq_error err;
  aceuq_error_clear(&err);
  const bool epi = has_epistemic();
  if (epi && chunk_epi_.size() < n) chunk_epi_.resize(std::max(n, block_rows_));
  aceuq_uq_block out = {asi_loaded_ ? chunk_gamma_.data() : nullptr,
                        nullptr,
                        local_loaded_ ? chunk_gamma_local_.data() : nullptr,
                        local_loaded_ ? chunk_cluster_.data() : nullptr,
                        spread_ ? chunk_dev_.data() : nullptr,
                        epi ? chunk_epi_.data() : nullptr};
  if (aceuq_uq_evaluate(uq_, mu, n, chunk_proj_[mu].data(), &out, &err) != ACEUQ_OK)
    error->one(FLERR, "pair_style ace/uq: extrapolation grades and spreads: {}", err.message);
  for (std::size_t r = 0; r < n; ++r) {
    const int i = chunk_atom_[mu][r];
    if (asi_loaded_) gamma_[i] = chunk_gamma_[r];
    if (local_loaded_) {
      gamma_local_[i] = chunk_gamma_local_[r];
      cluster_[i] = (double)chunk_cluster_[r];
    }
    if (spread_)
      std::memcpy(&member_dev_[(std::size_t)i * spread_members_], &chunk_dev_[r * spread_members_],
                  spread_members_ * sizeof(double));
    if (epi) epistemic_var_[i] = chunk_epi_[r];
  }
  chunk_atom_[mu].clear();
}

/* The engine over what pair_coeff / pair_style loaded (node-shared inverses, the local transforms,
 * the posterior), and the per-species row buffers of its block size.  Its rows are the active
 * set's projections; with a posterior alone, the linear projections (spreads without gamma). */
void PairACEUQ::build_uq_engine()
{
  const int nel = aceuq_potential_num_elements(potential_);
  std::vector<aceuq_uq_element> el(nel);
  uq_kind_ = asi_loaded_ ? asi_kind_ : ACEUQ_PROJECTIONS_LINEAR;
  uq_rows_.assign(nel, 0);
  for (int mu = 0; mu < nel; ++mu)
    uq_rows_[mu] = asi_loaded_ ? asi_size_[mu] : aceuq_potential_projection_size(potential_, mu, uq_kind_);
  // views for the engine, which copies the transforms and the pointers (not the arrays)
  std::vector<aceuq_cluster_transform> local_t(nel);
  std::vector<std::vector<const double *>> local_inv(nel);
  for (int mu = 0; mu < nel; ++mu) {
    el[mu].K = uq_rows_[mu];
    el[mu].Ainv = asi_loaded_ && asi_size_[mu] ? asi_.data() + asi_offset_[mu] : nullptr;
    if (local_loaded_ && local_[mu].nclusters > 0) {
      const LocalSpecies &L = local_[mu];
      local_t[mu] = {L.K, L.d, L.nclusters, L.mean.data(), L.scale.data(), L.components.data(), L.centroids.data()};
      el[mu].local = &local_t[mu];
      for (std::size_t c = 0; c < L.nclusters; ++c) local_inv[mu].push_back(local_asi_.data() + L.offset[c]);
      el[mu].local_Ainv = local_inv[mu].data();
    }
  }
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_uq_engine_free(uq_);
  uq_ = nullptr;
  if (aceuq_uq_engine_create(nel, el.data(), spread_, &uq_, &err) != ACEUQ_OK)
    error->all(FLERR, "pair_coeff ace/uq: {}", err.message);
  block_rows_ = aceuq_uq_engine_block_rows(uq_);
  chunk_proj_.assign(nel, std::vector<double>());
  chunk_atom_.assign(nel, std::vector<int>());
  for (int mu = 0; mu < nel; ++mu) {
    chunk_proj_[mu].resize(block_rows_ * std::max<std::size_t>(uq_rows_[mu], 1));
    chunk_atom_[mu].reserve(block_rows_);
  }
  chunk_gamma_.assign(block_rows_, 0.0);
  chunk_gamma_local_.assign(local_loaded_ ? block_rows_ : 0, 0.0);
  chunk_cluster_.assign(local_loaded_ ? block_rows_ : 0, 0);
  chunk_dev_.assign(spread_ ? block_rows_ * spread_members_ : 0, 0.0);
}

void PairACEUQ::grow_peratom()
{
  if (spread_ && member_dev_.size() < (std::size_t)atom->nmax * spread_members_)
    member_dev_.assign((std::size_t)atom->nmax * spread_members_, 0.0);
  if (has_epistemic() && epistemic_var_.size() < (std::size_t)atom->nmax) epistemic_var_.assign(atom->nmax, 0.0);
  if (atom->nmax <= nmax_) return;
  nmax_ = atom->nmax;
  memory->destroy(gamma_);
  memory->destroy(atom_energy_);
  memory->destroy(gamma_local_);
  memory->destroy(cluster_);
  memory->create(gamma_, nmax_, "pair:gamma");
  memory->create(atom_energy_, nmax_, "pair:atom_energy");
  memory->create(gamma_local_, nmax_, "pair:gamma_local");
  memory->create(cluster_, nmax_, "pair:cluster");
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
  std::size_t total = 0;
  for (int mu = 0; mu < nel; ++mu) {
    asi_size_[mu] = sizes[mu + 1];
    asi_offset_[mu] = total;
    total += asi_size_[mu] * asi_size_[mu];
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

/* Per-atom values for stock fix pair (the names of `aceuq eval`'s JSON) and whether this pair has
 * them; all are computed on grade steps, so each one's trigger "<name>_flag" is the grade request. */
namespace {
enum class Peratom { NONE, GAMMA, GAMMA_LOCAL, ENERGY_STD, ENERGY_LO, ENERGY_HI, FORCE_STD, STD_EPI, STD_POPS };
Peratom peratom_of(const char *name)
{
  static const struct {
    const char *name;
    Peratom what;
  } table[] = {{"gamma", Peratom::GAMMA},           {"gamma_local", Peratom::GAMMA_LOCAL},
               {"energy_std", Peratom::ENERGY_STD}, {"energy_lo", Peratom::ENERGY_LO},
               {"energy_hi", Peratom::ENERGY_HI},   {"force_std", Peratom::FORCE_STD},
               {"energy_std_epi", Peratom::STD_EPI}, {"energy_std_pops", Peratom::STD_POPS}};
  for (const auto &t : table)
    if (strcmp(name, t.name) == 0) return t.what;
  return Peratom::NONE;
}
}    // namespace

/* the reason a known per-atom value is not available ("" if it is) */
static std::string peratom_missing(Peratom what, bool asi, bool local, bool spread, bool forces, bool epistemic)
{
  switch (what) {
    case Peratom::GAMMA: return asi ? "" : "needs an active set (pair_coeff * * pot.yaml pot.asi El ...)";
    case Peratom::GAMMA_LOCAL: return local ? "" : "needs a local model (pair_style ace/uq local FILE.asil)";
    case Peratom::ENERGY_STD:
    case Peratom::ENERGY_LO:
    case Peratom::ENERGY_HI: return spread ? "" : "needs a posterior (pair_style ace/uq posterior FILE)";
    case Peratom::FORCE_STD:
      return forces ? "" : "needs force spreads (pair_style ace/uq posterior FILE spread forces)";
    case Peratom::STD_EPI:
    case Peratom::STD_POPS:
      return epistemic ? "" : "needs POPS members and the posterior's covariance (pair_style ace/uq posterior FILE "
                              "members pops)";
    default: return "";
  }
}

/* "<name>_flag": the trigger of stock fix pair (set to 1 before a force call to request grades) */
void *PairACEUQ::extract(const char *name, int &dim)
{
  dim = 0;
  const std::size_t len = strlen(name);
  if (len > 5 && strcmp(name + len - 5, "_flag") == 0) {
    const Peratom what = peratom_of(std::string(name, len - 5).c_str());
    if (what == Peratom::NONE) return nullptr;
    const std::string why =
        peratom_missing(what, asi_loaded_, local_loaded_, spread_ != nullptr, force_spread_, has_epistemic());
    if (!why.empty()) error->all(FLERR, "pair ace/uq: {} {}", std::string(name, len - 5), why);
    return (void *)&grade_request_;
  }
  return nullptr;
}

void PairACEUQ::energy_statistics(int i, double out[5]) const
{
  const std::size_t M = spread_members_;
  double rms;
  aceuq_spread_reduce(&member_dev_[(std::size_t)i * M], M, &out[0], &rms, &out[1], &out[2]);
  out[3] = out[4] = 0.0;
  if (has_epistemic()) {   // POPS: sqrt(b' Sigma_epi b) and sqrt(rms^2 + b' Sigma_epi b)
    out[3] = std::sqrt(epistemic_var_[i]);
    out[4] = aceuq_spread_full_std(rms, epistemic_var_[i]);
  }
}

#if ACEUQ_LAMMPS_HAS_EXTRACT_PERATOM
/* fix pair copies nlocal values right after the force call of its steps; the energy statistics
 * are those of energy_statistics(), as compute uq/spread's */
void *PairACEUQ::extract_peratom(const char *name, int &ncol)
{
  ncol = 0;
  const Peratom what = peratom_of(name);
  if (what == Peratom::NONE) return nullptr;
  const std::string why =
      peratom_missing(what, asi_loaded_, local_loaded_, spread_ != nullptr, force_spread_, has_epistemic());
  if (!why.empty()) error->all(FLERR, "pair ace/uq: {} {}", name, why);
  const int nlocal = atom->nlocal;
  switch (what) {
    case Peratom::GAMMA: return (void *)gamma_;
    case Peratom::GAMMA_LOCAL: return (void *)gamma_local_;
    case Peratom::FORCE_STD:
      if ((int)force_std_.size() < std::max(nlocal, 1)) force_std_.resize(std::max(atom->nmax, 1), 0.0);
      return (void *)force_std_.data();
    default: break;
  }
  const std::size_t stride = (std::size_t)std::max(atom->nmax, 1);
  if (energy_stats_.size() < 5 * stride) energy_stats_.assign(5 * stride, 0.0);
  double *sd = energy_stats_.data(), *lo = sd + stride, *hi = lo + stride, *epi = hi + stride, *full = epi + stride;
  if (member_dev_.size() >= (std::size_t)nlocal * spread_members_)
    for (int i = 0; i < nlocal; ++i) {
      double v[5];
      energy_statistics(i, v);
      sd[i] = v[0], lo[i] = v[1], hi[i] = v[2], epi[i] = v[3], full[i] = v[4];
    }
  switch (what) {
    case Peratom::ENERGY_STD: return (void *)sd;
    case Peratom::ENERGY_LO: return (void *)lo;
    case Peratom::ENERGY_HI: return (void *)hi;
    case Peratom::STD_EPI: return (void *)epi;
    default: return (void *)full;
  }
}
#endif

/* Rank 0 reads and validates the .asil file and broadcasts the (small) feature
 * transforms; the cluster inverses go into node-shared memory, filled by each
 * node's leader (re-reading the file unless it is rank 0), as for the .asi. */
void PairACEUQ::load_local_set(const char *file)
{
  const int nel = aceuq_potential_num_elements(potential_);
  aceuq_localset *ls = nullptr;
  aceuq_error err;
  aceuq_error_clear(&err);
  std::string msg;
  if (comm->me == 0) {
    if (aceuq_localset_load(file, potential_, &ls, &err) != ACEUQ_OK) msg = err.message;
    else if (aceuq_localset_kind(ls) != asi_kind_)
      msg = fmt::format("{} is {} but the active set {} is {}", file,
                        aceuq_localset_kind(ls) == ACEUQ_PROJECTIONS_LINEAR ? "linear" : "non-linear", asi_file_,
                        asi_kind_ == ACEUQ_PROJECTIONS_LINEAR ? "linear" : "non-linear");
  }
  msg = aceuq_mpi::first_error(world, msg);
  if (!msg.empty()) error->all(FLERR, "pair_style ace/uq local: {}", msg);

  // header per species (K, d, clusters), then the transforms, packed
  std::vector<unsigned long long> head(3 * nel, 0);
  std::vector<double> packed;
  if (comm->me == 0)
    for (int mu = 0; mu < nel; ++mu) {
      aceuq_cluster_transform t;
      aceuq_localset_transform(ls, mu, &t, &err);
      head[3 * mu] = t.K;
      head[3 * mu + 1] = t.d;
      head[3 * mu + 2] = t.nclusters;
      packed.insert(packed.end(), t.mean, t.mean + t.K);
      packed.insert(packed.end(), t.scale, t.scale + t.K);
      packed.insert(packed.end(), t.components, t.components + t.K * t.d);
      packed.insert(packed.end(), t.centroids, t.centroids + t.nclusters * t.d);
    }
  MPI_Bcast(head.data(), 3 * nel, MPI_UNSIGNED_LONG_LONG, 0, world);
  unsigned long long npacked = packed.size();
  MPI_Bcast(&npacked, 1, MPI_UNSIGNED_LONG_LONG, 0, world);
  packed.resize(npacked);
  MPI_Bcast(packed.data(), (int)npacked, MPI_DOUBLE, 0, world);

  local_.assign(nel, LocalSpecies());
  std::size_t pos = 0, total = 0;
  for (int mu = 0; mu < nel; ++mu) {
    LocalSpecies &L = local_[mu];
    L.K = head[3 * mu];
    L.d = head[3 * mu + 1];
    L.nclusters = head[3 * mu + 2];
    if (L.K != asi_size_[mu])
      error->all(FLERR, "pair_style ace/uq local: {}: element {} has size {}, the active set {} has {}", file,
                 aceuq_potential_element(potential_, mu), L.K, asi_file_, asi_size_[mu]);
    auto take = [&](std::vector<double> &v, std::size_t count) {
      v.assign(packed.begin() + pos, packed.begin() + pos + count);
      pos += count;
    };
    take(L.mean, L.K);
    take(L.scale, L.K);
    take(L.components, L.K * L.d);
    take(L.centroids, L.nclusters * L.d);
    for (std::size_t c = 0; c < L.nclusters; ++c) {
      L.offset.push_back(total);
      total += L.K * L.K;
    }
  }
  if (!local_asi_.allocate(world, total))
    error->all(FLERR, "pair_style ace/uq local: cannot allocate {:.1f} MB of node-shared memory for {}",
               total * 8.0 / 1048576.0, file);
  if (local_asi_.is_leader()) {
    if (comm->me != 0 && aceuq_localset_load(file, potential_, &ls, &err) != ACEUQ_OK) msg = err.message;
    for (int mu = 0; msg.empty() && mu < nel; ++mu)
      for (std::size_t c = 0; c < local_[mu].nclusters; ++c)
        std::memcpy(local_asi_.data() + local_[mu].offset[c], aceuq_localset_matrix(ls, mu, c),
                    local_[mu].K * local_[mu].K * sizeof(double));
  }
  aceuq_localset_free(ls);
  msg = aceuq_mpi::first_error(world, msg);
  if (!msg.empty()) error->all(FLERR, "pair_style ace/uq local: {}", msg);
  local_asi_.publish();

  local_loaded_ = true;
  if (comm->me == 0) {
    std::string counts;
    for (int mu = 0; mu < nel; ++mu)
      counts += fmt::format("{}{} {} clusters (d = {})", mu ? ", " : "", aceuq_potential_element(potential_, mu),
                            local_[mu].nclusters, local_[mu].d);
    utils::logmesg(lmp, "pair ace/uq: local model {}: {}; {:.2f} MB of cluster inverses held once per node\n", file,
                   counts, total * 8.0 / 1048576.0);
  }
}

/* World rank 0 reads the posterior (checked against the potential) and chooses the members; the
 * members' offsets d_s = c_s - mean (members x K doubles) go into node-shared memory, filled by
 * each node's leader (re-reading the file unless it is rank 0), as the active sets. */
void PairACEUQ::load_posterior()
{
  if (asi_loaded_ && asi_kind_ != ACEUQ_PROJECTIONS_LINEAR)
    error->all(FLERR, "pair_style ace/uq posterior {}: the spreads use the linear projections, but the active set "
               "{} is non-linear: use the linear active set that aceuq fit writes, or none", posterior_file_,
               asi_file_);
  static const char *const names[3] = {"bayes", "pops", "committee"};
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_posterior *post = nullptr;
  std::string msg;
  unsigned long long head[4] = {0, 0, 0, 0};   // kind, members, K, POPS with a covariance
  auto choose = [&]() {
    int kind = 0;
    if (members_arg_.empty()) kind = aceuq_posterior_num_members(post, ACEUQ_MEMBERS_POPS) ? 1 : 0;
    else kind = members_arg_ == "bayes" ? 0 : members_arg_ == "pops" ? 1 : 2;
    return kind;
  };
  if (comm->me == 0) {
    if (aceuq_posterior_load(posterior_file_.c_str(), potential_, &post, &err) != ACEUQ_OK) msg = err.message;
    else {
      const int kind = choose();
      head[0] = (unsigned long long)kind;
      head[1] = aceuq_posterior_num_members(post, (aceuq_member_kind)kind);
      head[2] = aceuq_posterior_size(post);
      head[3] = kind == 1 && aceuq_posterior_covariance(post) != nullptr;
      if (head[1] < 2)
        msg = fmt::format("{}: the posterior has {} {} members (at least 2 are needed)", posterior_file_, head[1],
                          names[kind]);
    }
  }
  msg = aceuq_mpi::first_error(world, msg);
  if (!msg.empty()) {
    aceuq_posterior_free(post);
    error->all(FLERR, "pair_style ace/uq posterior: {}", msg);
  }
  MPI_Bcast(head, 4, MPI_UNSIGNED_LONG_LONG, 0, world);
  spread_kind_ = names[head[0]];
  // POPS's full std needs Sigma_epi as well (K x K, once per node like the offsets)
  if (head[3] && !spread_cov_.allocate(world, (std::size_t)(head[2] * head[2])))
    error->all(FLERR, "pair_style ace/uq posterior: cannot allocate {:.1f} MB of node-shared memory for {}",
               head[2] * head[2] * 8.0 / 1048576.0, posterior_file_);
  if (!head[3]) spread_cov_.release();
  if (!spread_offsets_.allocate(world, (std::size_t)(head[1] * head[2])))
    error->all(FLERR, "pair_style ace/uq posterior: cannot allocate {:.1f} MB of node-shared memory for {}",
               head[1] * head[2] * 8.0 / 1048576.0, posterior_file_);
  if (spread_offsets_.is_leader()) {
    if (comm->me != 0 && aceuq_posterior_load(posterior_file_.c_str(), potential_, &post, &err) != ACEUQ_OK)
      msg = err.message;
    if (msg.empty()) aceuq_posterior_offsets(post, (aceuq_member_kind)head[0], spread_offsets_.data(), &err);
    if (msg.empty() && head[3]) {
      if (!aceuq_posterior_covariance(post)) msg = fmt::format("{}: file changed while reading", posterior_file_);
      else std::memcpy(spread_cov_.data(), aceuq_posterior_covariance(post), head[2] * head[2] * sizeof(double));
    }
  }
  aceuq_posterior_free(post);
  msg = aceuq_mpi::first_error(world, msg);
  if (!msg.empty()) error->all(FLERR, "pair_style ace/uq posterior: {}", msg);
  spread_offsets_.publish();
  if (head[3]) spread_cov_.publish();
  if (aceuq_spread_create_shared(potential_, (std::size_t)head[1], spread_offsets_.data(), &spread_, &err) != ACEUQ_OK)
    error->all(FLERR, "pair_style ace/uq posterior {}: {}", posterior_file_, err.message);
  if (head[3]) aceuq_spread_set_covariance(spread_, spread_cov_.data());
  spread_members_ = aceuq_spread_members(spread_);
  member_dev_.clear();
  if (force_spread_ && aceuq_spread_enable_forces(spread_, force_precision_, &err) != ACEUQ_OK)
    error->all(FLERR, "pair_style ace/uq posterior {} spread forces: {}", posterior_file_, err.message);
  comm_reverse = force_spread_ ? (int)(3 * spread_members_) : 0;
  if (comm->me == 0)
    utils::logmesg(lmp, "pair ace/uq: {} spreads of {} {} members from {}; {:.2f} MB of member offsets held once "
                   "per node{}\n",
                   !force_spread_ ? "energy"
                   : force_precision_ == ACEUQ_FORCES_SINGLE ? "energy and (single-precision) force"
                                                              : "energy and force",
                   spread_members_, spread_kind_,
                   posterior_file_, head[1] * head[2] * 8.0 / 1048576.0,
                   head[3] ? fmt::format(", with Sigma_epi for the full POPS std ({:.2f} MB per node)",
                                         head[2] * head[2] * 8.0 / 1048576.0)
                           : "");
}
