/* fix_uq_harvest.cpp -- see fix_uq_harvest.h. */
#include "fix_uq_harvest.h"

#include "pair_ace_uq.h"

#include "atom.h"
#include "comm.h"
#include "domain.h"
#include "error.h"
#include "force.h"
#include "update.h"
#include "utils.h"

#include <algorithm>
#include <cstring>

using namespace LAMMPS_NS;

// per atom on the wire: id, type, x, y, z, fx, fy, fz, energy, gamma
static constexpr int kFields = 10;

FixUQHarvest::FixUQHarvest(LAMMPS *lmp, int narg, char **arg) : Fix(lmp, narg, arg)
{
  if (narg < 5)
    error->all(FLERR, "fix {} uq/harvest: expected N file.xyz [lower L] [upper U] [max_frames M] [signal NAME]", id);
  nevery = utils::inumeric(FLERR, arg[3], false, lmp);
  if (nevery <= 0) error->all(FLERR, "fix {} uq/harvest: N must be > 0 (got {})", id, arg[3]);
  file_ = arg[4];
  for (int i = 5; i < narg; i += 2) {
    std::string key = arg[i];
    if (i + 1 >= narg) error->all(FLERR, "fix {} uq/harvest: keyword {} needs a value", id, key);
    if (key == "lower") lower_ = utils::numeric(FLERR, arg[i + 1], false, lmp);
    else if (key == "upper") upper_ = utils::numeric(FLERR, arg[i + 1], false, lmp);
    else if (key == "max_frames") max_frames_ = utils::bnumeric(FLERR, arg[i + 1], false, lmp);
    else if (key == "signal") {
      signal_ = arg[i + 1];
      if (signal_ != "gamma" && signal_ != "gamma_local" && signal_ != "energy_std" && signal_ != "force_std")
        error->all(FLERR, "fix {} uq/harvest: signal must be gamma, gamma_local, energy_std or force_std (got '{}')",
                   id, signal_);
    } else
      error->all(FLERR, "fix {} uq/harvest: unknown keyword '{}' (expected lower, upper, max_frames, signal)", id, key);
  }
  if (!(lower_ < upper_))
    error->all(FLERR, "fix {} uq/harvest: lower ({}) must be smaller than upper ({})", id, lower_, upper_);
  // rank 0 writes; every rank learns whether the file could be opened (a clean error->all, not an abort)
  std::string why;
  if (comm->me == 0) {
    fp_ = fopen(file_.c_str(), "w");
    if (!fp_) why = utils::getsyserror();
  }
  int opened = comm->me == 0 ? (fp_ != nullptr) : 0;
  MPI_Bcast(&opened, 1, MPI_INT, 0, world);
  if (!opened)
    error->all(FLERR, "fix {} uq/harvest: cannot open {} for writing{}{}", id, file_, why.empty() ? "" : ": ", why);
  scalar_flag = 1;
  global_freq = 1;
  extscalar = 0;
}

FixUQHarvest::~FixUQHarvest()
{
  if (fp_) fclose(fp_);
}

int FixUQHarvest::setmask()
{
  return FixConst::PRE_FORCE | FixConst::END_OF_STEP;
}

void FixUQHarvest::init()
{
  pair_ = dynamic_cast<PairACEUQ *>(force->pair_match("ace/uq", 1, 0));
  if (!pair_) error->all(FLERR, "fix {} uq/harvest needs pair_style ace/uq", id);
  if (!pair_->has_active_set() && (signal_ == "gamma" || signal_ == "gamma_local"))
    error->all(FLERR, "fix {} uq/harvest: signal {} needs an active set (pair_coeff * * pot.yaml pot.asi El ...); "
               "with a posterior alone use signal energy_std or force_std", id, signal_);
  if (signal_ == "gamma_local" && !pair_->has_local_set())
    error->all(FLERR, "fix {} uq/harvest: signal gamma_local needs a local model (pair_style ace/uq ... local "
               "pot.asil)", id);
  if ((signal_ == "energy_std" || signal_ == "force_std") && !pair_->has_spread())
    error->all(FLERR, "fix {} uq/harvest: signal {} needs a posterior (pair_style ace/uq ... posterior "
               "pot.posterior.npz)", id, signal_);
  if (signal_ == "force_std" && !pair_->has_force_spread())
    error->all(FLERR, "fix {} uq/harvest: signal force_std needs pair_style ace/uq ... posterior FILE spread forces",
               id);
  type_element_.assign(atom->ntypes + 1, "X");
  for (int t = 1; t <= atom->ntypes; ++t)
    if (pair_->element_of_type(t)) type_element_[t] = pair_->element_of_type(t);
}

/* ask the pair for grades in the coming force computation */
void FixUQHarvest::pre_force(int)
{
  if (update->ntimestep % nevery == 0) pair_->request_grades();
}

void FixUQHarvest::setup_pre_force(int vflag)
{
  pre_force(vflag);
}

void FixUQHarvest::setup(int)
{
  if (update->ntimestep % nevery == 0) harvest();
}

void FixUQHarvest::end_of_step()
{
  harvest();
}

void FixUQHarvest::harvest()
{
  if (update->ntimestep == last_step_) return;
  last_step_ = update->ntimestep;
  if (pair_->grades_step() != update->ntimestep)
    error->all(FLERR, "fix {} uq/harvest: no grades on step {} (pair_style ace/uq did not compute them)", id,
               update->ntimestep);
  const double *gamma = pair_->gamma();
  double local_max[2] = {0.0, 0.0}, global_max[2];   // gamma, the signal
  for (int i = 0; i < atom->nlocal; ++i)
    if (atom->mask[i] & groupbit) {
      local_max[0] = std::max(local_max[0], gamma[i]);
      local_max[1] = std::max(local_max[1], atom_signal(i));
    }
  MPI_Allreduce(local_max, global_max, 2, MPI_DOUBLE, MPI_MAX, world);
  const double max_gamma = global_max[0], max_signal = global_max[1];
  if (max_signal < lower_) return;
  if (max_signal >= upper_) {
    ++skipped_high_;
    if (comm->me == 0)
      utils::logmesg(lmp, "fix {} uq/harvest: step {}: max {} {:.4g} >= upper {}: frame skipped\n", id,
                     update->ntimestep, signal_, max_signal, upper_);
    return;
  }
  if (max_frames_ >= 0 && frames_ >= max_frames_) return;
  write_frame(max_gamma, max_signal);
  ++frames_;
  if (comm->me == 0 && max_frames_ >= 0 && frames_ == max_frames_)
    utils::logmesg(lmp, "fix {} uq/harvest: {} frames written to {}; no more frames will be written\n", id,
                   frames_, file_);
}

/* Rank 0 writes the header and its atoms, then receives and writes the block
 * of every other rank in turn (positions relative to the box origin). */
/* the harvesting signal of owned atom i on the pair's grade step */
double FixUQHarvest::atom_signal(int i) const
{
  if (signal_ == "gamma") return pair_->gamma()[i];
  if (signal_ == "gamma_local") return pair_->gamma_local()[i];
  if (signal_ == "force_std") return pair_->force_std()[i];
  double sd;   // energy_std
  aceuq_spread_reduce(&pair_->member_deviations()[(std::size_t)i * pair_->spread_members()], pair_->spread_members(),
                      &sd, nullptr, nullptr, nullptr);
  return sd;
}

void FixUQHarvest::write_frame(double max_gamma, double max_signal)
{
  const int nlocal = atom->nlocal;
  std::vector<double> mine((std::size_t)kFields * std::max(nlocal, 1));
  const double *gamma = pair_->gamma(), *energy = pair_->atom_energy();
  for (int i = 0; i < nlocal; ++i) {
    double *r = &mine[(std::size_t)kFields * i];
    r[0] = (double)atom->tag[i];
    r[1] = atom->type[i];
    for (int a = 0; a < 3; ++a) {
      r[2 + a] = atom->x[i][a] - domain->boxlo[a];
      r[5 + a] = atom->f[i][a];
    }
    r[8] = energy[i];
    r[9] = gamma[i];
  }
  bigint natoms = atom->natoms;
  if (comm->me == 0) {
    const double *h = domain->h;   // xprd, yprd, zprd, yz, xz, xy
    fmt::print(fp_, "{}\n", natoms);
    fmt::print(fp_,
               "Lattice=\"{:.12g} 0 0 {:.12g} {:.12g} 0 {:.12g} {:.12g} {:.12g}\" "
               "Properties=species:S:1:pos:R:3:forces:R:3:energies:R:1:gamma:R:1:id:I:1 "
               "pbc=\"{} {} {}\" step={} max_gamma={:.8g}{}\n",
               h[0], h[5], h[1], h[4], h[3], h[2], domain->xperiodic ? 'T' : 'F', domain->yperiodic ? 'T' : 'F',
               domain->zperiodic ? 'T' : 'F', update->ntimestep, max_gamma,
               signal_ == "gamma" ? std::string() : fmt::format(" signal={} max_signal={:.8g}", signal_, max_signal));
  }
  int maxlocal;
  MPI_Allreduce(&nlocal, &maxlocal, 1, MPI_INT, MPI_MAX, world);
  auto write_block = [&](const double *b, int n) {
    for (int k = 0; k < n; ++k) {
      const double *r = &b[(std::size_t)kFields * k];
      fmt::print(fp_, "{} {:.10f} {:.10f} {:.10f} {:.10g} {:.10g} {:.10g} {:.12g} {:.8g} {}\n",
                 type_element_[(int)r[1]], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], (bigint)r[0]);
    }
  };
  if (comm->me == 0) {
    write_block(mine.data(), nlocal);
    std::vector<double> buf((std::size_t)kFields * std::max(maxlocal, 1));
    for (int p = 1; p < comm->nprocs; ++p) {
      int n;
      MPI_Status status;
      MPI_Recv(buf.data(), kFields * maxlocal, MPI_DOUBLE, p, 0, world, &status);
      MPI_Get_count(&status, MPI_DOUBLE, &n);
      write_block(buf.data(), n / kFields);
    }
    fflush(fp_);
  } else {
    MPI_Send(mine.data(), kFields * nlocal, MPI_DOUBLE, 0, 0, world);
  }
}

double FixUQHarvest::compute_scalar()
{
  return (double)frames_;
}
