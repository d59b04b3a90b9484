/* command_aceuq.h -- input-script command `aceuq`:
 *   aceuq version            log plugin, core, LAMMPS and BLAS versions
 *   aceuq blas_threads N     BLAS threads per MPI rank (default 1) */
#ifndef ACEUQ_COMMAND_ACEUQ_H
#define ACEUQ_COMMAND_ACEUQ_H

#include "command.h"

namespace LAMMPS_NS {

class AceuqCommand : public Command {
 public:
  AceuqCommand(class LAMMPS *lmp) : Command(lmp) {}
  void command(int narg, char **arg) override;
};

}    // namespace LAMMPS_NS

#endif
