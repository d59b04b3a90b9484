/* aceuq_plugin_info.h -- identity of the plugin build (shared by the loader
 * and the `aceuq` command). */
#ifndef ACEUQ_PLUGIN_INFO_H
#define ACEUQ_PLUGIN_INFO_H

#include <string>

namespace LAMMPS_NS {
class LAMMPS;
}

namespace aceuq_plugin {

/* LAMMPS version (YYYYMMDD) the plugin was compiled for.  The test suite
 * builds a second plugin with a different value to exercise the check. */
#ifdef ACEUQ_FAKE_COMPILED_FOR
constexpr int compiled_for = ACEUQ_FAKE_COMPILED_FOR;
#else
constexpr int compiled_for = LAMMPS_VERSION_NUMBER;
#endif

/* Plugin + core version, LAMMPS it was built for, BLAS setup (+ blas_kernel_hint()). */
std::string describe();
/* empty, or a note on OPENBLAS_CORETYPE when OpenBLAS fell back to generic kernels */
std::string blas_kernel_hint();

}    // namespace aceuq_plugin

#endif
