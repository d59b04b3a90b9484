/* command_aceuq.cpp -- the `aceuq` input-script command. */
#include "command_aceuq.h"

#include "aceuq.h"
#include "aceuq_plugin_info.h"

#include "comm.h"
#include "error.h"
#include "utils.h"

using namespace LAMMPS_NS;

void AceuqCommand::command(int narg, char **arg)
{
  if (narg < 1) error->all(FLERR, "Illegal aceuq command: expected 'version' or 'blas_threads N'");
  std::string sub = arg[0];
  if (sub == "version") {
    if (narg != 1) error->all(FLERR, "Illegal aceuq version command: takes no arguments");
    if (comm->me == 0) utils::logmesg(lmp, aceuq_plugin::describe() + "\n");
  } else if (sub == "blas_threads") {
    if (narg != 2) error->all(FLERR, "Illegal aceuq blas_threads command: expected one integer");
    int n = utils::inumeric(FLERR, arg[1], false, lmp);
    if (n < 1) error->all(FLERR, "Illegal aceuq blas_threads command: N must be >= 1 (got {})", n);
    aceuq_blas_set_threads(n);
    if (comm->me == 0)
      utils::logmesg(lmp, "aceuq: BLAS threads per MPI rank: {}\n", aceuq_blas_get_threads());
  } else {
    error->all(FLERR, "Illegal aceuq command: unknown keyword '{}' (expected version or blas_threads)",
               sub);
  }
}
