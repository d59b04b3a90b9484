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
#include <cstring>

using namespace LAMMPS_NS;

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
  if (local_loaded_) flush_local_grades(mu, n);
  if (spread_) { /* all members' energy deviations of the chunk: one GEMM */
    if (aceuq_spread_deviations(spread_, mu, n, chunk_proj_[mu].data(), chunk_dev_.data(), &err) != ACEUQ_OK)
      error->one(FLERR, "pair_style ace/uq: posterior spreads: {}", err.message);
    for (std::size_t r = 0; r < n; ++r)
      std::memcpy(&member_dev_[(std::size_t)chunk_atom_[mu][r] * spread_members_], &chunk_dev_[r * spread_members_],
                  spread_members_ * sizeof(double));
  }
  chunk_atom_[mu].clear();
}

void PairACEUQ::grow_peratom()
{
  if (spread_ && member_dev_.size() < (std::size_t)atom->nmax * spread_members_)
    member_dev_.assign((std::size_t)atom->nmax * spread_members_, 0.0);
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

/* Local grades of the n buffered rows of species mu: nearest centroid, then one
 * GEMM per cluster over the rows assigned to it. */
void PairACEUQ::flush_local_grades(int mu, std::size_t n)
{
  const LocalSpecies &L = local_[mu];
  const aceuq_cluster_transform t = {L.K,           L.d, L.nclusters, L.mean.data(), L.scale.data(),
                                     L.components.data(), L.centroids.data()};
  aceuq_error err;
  aceuq_error_clear(&err);
  if (aceuq_cluster_assign(&t, chunk_proj_[mu].data(), n, chunk_cluster_.data(), assign_work_.data(), &err) !=
      ACEUQ_OK)
    error->one(FLERR, "pair_style ace/uq: local grades: {}", err.message);
  for (std::size_t c = 0; c < L.nclusters; ++c) {
    std::size_t m = 0;
    for (std::size_t r = 0; r < n; ++r) {
      if (chunk_cluster_[r] != (int)c) continue;
      std::memcpy(&cluster_rows_[m * L.K], &chunk_proj_[mu][r * L.K], L.K * sizeof(double));
      cluster_rows_atom_[m++] = chunk_atom_[mu][r];
    }
    if (m == 0) continue;
    if (aceuq_dopt_grade_batch(grade_ws_, local_asi_.data() + L.offset[c], L.K, cluster_rows_.data(), m,
                               chunk_gamma_.data(), nullptr, &err) != ACEUQ_OK)
      error->one(FLERR, "pair_style ace/uq: local grades: {}", err.message);
    for (std::size_t r = 0; r < m; ++r) {
      gamma_local_[cluster_rows_atom_[r]] = chunk_gamma_[r];
      cluster_[cluster_rows_atom_[r]] = (double)c;
    }
  }
}

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

  std::size_t maxK = 1, maxd = 1;
  for (const auto &L : local_) {
    maxK = std::max(maxK, L.K);
    maxd = std::max(maxd, L.d);
  }
  chunk_cluster_.assign(kGradeChunk, 0);
  cluster_rows_.assign(kGradeChunk * maxK, 0.0);
  cluster_rows_atom_.assign(kGradeChunk, 0);
  assign_work_.assign(maxd, 0.0);
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

/* Every rank reads the posterior (checked against the potential) and keeps the members' offsets
 * (members x K doubles per rank: small next to the active sets). */
void PairACEUQ::load_posterior()
{
  if (!asi_loaded_ || asi_kind_ != ACEUQ_PROJECTIONS_LINEAR)
    error->all(FLERR, "pair_style ace/uq posterior {}: the spreads use the linear projections of a linear active "
               "set: pair_coeff * * {} pot.asi El ... (aceuq fit writes both)", posterior_file_, potential_file_);
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_posterior *post = nullptr;
  if (aceuq_posterior_load(posterior_file_.c_str(), potential_, &post, &err) != ACEUQ_OK)
    error->all(FLERR, "pair_style ace/uq posterior: {}", err.message);
  int kind = 0;
  if (members_arg_.empty()) kind = aceuq_posterior_num_members(post, ACEUQ_MEMBERS_POPS) ? 1 : 0;
  else kind = members_arg_ == "bayes" ? 0 : members_arg_ == "pops" ? 1 : 2;
  static const char *const names[3] = {"bayes", "pops", "committee"};
  spread_kind_ = names[kind];
  const aceuq_status st = aceuq_spread_create(post, potential_, (aceuq_member_kind)kind, &spread_, &err);
  aceuq_posterior_free(post);
  if (st != ACEUQ_OK) error->all(FLERR, "pair_style ace/uq posterior {}: {}", posterior_file_, err.message);
  spread_members_ = aceuq_spread_members(spread_);
  chunk_dev_.assign(kGradeChunk * spread_members_, 0.0);
  member_dev_.clear();
  if (comm->me == 0)
    utils::logmesg(lmp, "pair ace/uq: energy spreads of {} {} members from {}\n", spread_members_, spread_kind_,
                   posterior_file_);
}
