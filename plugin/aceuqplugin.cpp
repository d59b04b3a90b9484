/* aceuqplugin.cpp -- entry point of aceuqplugin.so (`plugin load aceuqplugin.so`).
 *
 * lammpsplugin_init is the only exported symbol (see plugin/exports.map).  It
 *  1. compares the LAMMPS version the plugin was compiled for with the
 *     running one, through the C library interface (lammps_version()), which
 *     does not depend on class layouts; on a mismatch it refuses to load;
 *  2. does nothing more when this LAMMPS has the styles already (a LAMMPS
 *     that autoloads plugins from LAMMPS_PLUGIN_PATH, as build/lmp sets it,
 *     and an input that says `plugin load` too): load once, say once;
 *  3. pins BLAS to one thread per MPI rank unless OPENBLAS_NUM_THREADS is set;
 *  4. registers the styles and logs its version. */
#include "aceuq.h"
#include "aceuq_lammps_compat.h"
#include "aceuq_plugin_info.h"
#include "command_aceuq.h"
#include "compute_uq_entropy.h"
#include "compute_uq_grade.h"
#include "compute_uq_spread.h"
#include "fix_uq_harvest.h"
#include "pair_ace_uq.h"

#include "comm.h"
#include "lammps.h"
#include "library.h"
#include "utils.h"
#include "version.h"

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace LAMMPS_NS;

std::string aceuq_plugin::describe()
{
  char blas[256];
  aceuq_blas_info(blas, sizeof blas);
  return "aceuq plugin " + std::string(aceuq_version()) + " (compiled for LAMMPS " +
      std::to_string(compiled_for) + "), BLAS: " + blas + ", " +
      std::to_string(aceuq_blas_get_threads()) + " BLAS thread(s) per MPI rank" + blas_kernel_hint();
}

/* OpenBLAS picked slower kernels than the CPU can run (generic ones on a CPU it does not know, AVX2
 * ones on a newer AVX-512 CPU): say how to get the fast ones */
std::string aceuq_plugin::blas_kernel_hint()
{
  const char *core = aceuq_blas_preferred_coretype();
  if (!core) return "";
  return std::string("\n  note: OpenBLAS uses slower kernels than this CPU supports; start LAMMPS with OPENBLAS_CORETYPE=") +
      core + " for faster extrapolation grades and entropy (2-4x over generic kernels, 1.4-1.6x over AVX2 ones on" +
      " AVX-512 CPUs; build/lmp sets it unless OPENBLAS_CORETYPE is already set)";
}

static Command *create_aceuq_command(LAMMPS *lmp)
{
  return new AceuqCommand(lmp);
}

static Pair *create_pair_ace_uq(LAMMPS *lmp)
{
  return new PairACEUQ(lmp);
}

static Compute *create_compute_uq_grade(LAMMPS *lmp, int narg, char **arg)
{
  return new ComputeUQGrade(lmp, narg, arg);
}

static Compute *create_compute_uq_spread(LAMMPS *lmp, int narg, char **arg)
{
  return new ComputeUQSpread(lmp, narg, arg);
}

static Fix *create_fix_uq_harvest(LAMMPS *lmp, int narg, char **arg)
{
  return new FixUQHarvest(lmp, narg, arg);
}

static Compute *create_compute_uq_entropy(LAMMPS *lmp, int narg, char **arg)
{
  return new ComputeUQEntropy(lmp, narg, arg);
}

/* Stop the input script with a message.  Only the C library interface is
 * used: with a mismatched LAMMPS, C++ class layouts cannot be trusted. */
static void refuse_to_load(void *lmp, int running)
{
  std::string msg = "ERROR: aceuqplugin.so was compiled for LAMMPS version " +
      std::to_string(aceuq_plugin::compiled_for) + " but is loaded into LAMMPS version " +
      std::to_string(running) +
      ". Rebuild aceuq against the headers of this LAMMPS "
      "(cmake -DLAMMPS_SOURCE_DIR=<its src dir> -DLAMMPS_BUILD_DIR=<its build dir>).";
  std::string cmd = "print \"\"\"" + msg + "\"\"\"";
  lammps_command(lmp, cmd.c_str());
  lammps_command(lmp, "quit 1");
}

extern "C" __attribute__((visibility("default"))) void lammpsplugin_init(void *ptr, void *handle,
                                                                         void *regfunc)
{
  int running = lammps_version(ptr);
  if (running != aceuq_plugin::compiled_for) {
    refuse_to_load(ptr, running);
    return;
  }
  if (lammps_has_style(ptr, "pair", "ace/uq")) return;
  LAMMPS *lmp = (LAMMPS *)ptr;
  if (!std::getenv("OPENBLAS_NUM_THREADS")) aceuq_blas_set_threads(1);

  lammpsplugin_regfunc register_plugin = (lammpsplugin_regfunc)regfunc;
  lammpsplugin_t plugin;
  plugin.version = LAMMPS_VERSION;
  plugin.author = "aceuq developers";
  plugin.handle = handle;

  plugin.style = "command";
  plugin.name = "aceuq";
  plugin.info = "aceuq command (version, BLAS threads)";
  aceuq_compat::set_command_creator(plugin, &create_aceuq_command);
  (*register_plugin)(&plugin, lmp);

  plugin.style = "pair";
  plugin.name = "ace/uq";
  plugin.info = "pair style ace/uq: ACE energies and forces (pacemaker .yaml, ML-PACE .yace)";
  plugin.creator.v1 = (lammpsplugin_factory1 *)&create_pair_ace_uq;
  (*register_plugin)(&plugin, lmp);

  plugin.style = "compute";
  plugin.name = "uq/grade";
  plugin.info = "compute uq/grade: D-optimality extrapolation grades from pair_style ace/uq";
  plugin.creator.v2 = (lammpsplugin_factory2 *)&create_compute_uq_grade;
  (*register_plugin)(&plugin, lmp);

  plugin.style = "compute";
  plugin.name = "uq/spread";
  plugin.info = "compute uq/spread: energy and force spreads of posterior members from pair_style ace/uq ... posterior";
  plugin.creator.v2 = (lammpsplugin_factory2 *)&create_compute_uq_spread;
  (*register_plugin)(&plugin, lmp);

  plugin.style = "fix";
  plugin.name = "uq/harvest";
  plugin.info = "fix uq/harvest: write extrapolative configurations (extended XYZ)";
  plugin.creator.v2 = (lammpsplugin_factory2 *)&create_fix_uq_harvest;
  (*register_plugin)(&plugin, lmp);

  plugin.style = "compute";
  plugin.name = "uq/entropy";
  plugin.info = "compute uq/entropy: descriptor entropy H and per-atom dH (QUESTS method)";
  plugin.creator.v2 = (lammpsplugin_factory2 *)&create_compute_uq_entropy;
  (*register_plugin)(&plugin, lmp);

  if (lmp->comm->me == 0) utils::logmesg(lmp, aceuq_plugin::describe() + "\n");
}
