/* aceuq_lammps_compat.h -- the one place that hides LAMMPS API differences.
 *
 * LAMMPS_VERSION_NUMBER (YYYYMMDD) is read at configure time from the
 * version.h of the tree the plugin is compiled against (cmake/AceuqLammps.cmake).
 * Supported: 29Sep2021 (Debian 12) and newer.  Differences bridged here:
 *   24Mar2022  neighbor->request()+requests[] -> neighbor->add_request(flags)
 *   24Mar2022  comm->forward_comm_pair()/reverse_comm_compute() -> forward_comm()/reverse_comm()
 *   15Sep2022  Pair::extract_peratom() (used by stock `fix pair`)
 *   (plugin struct) command styles: creator.v1 (29Sep2021) vs creator.v3 (newer);
 *              detected at configure time from lammpsplugin.h (ACEUQ_LAMMPS_PLUGIN_V3)
 */
#ifndef ACEUQ_LAMMPS_COMPAT_H
#define ACEUQ_LAMMPS_COMPAT_H

#ifndef LAMMPS_VERSION_NUMBER
#error "LAMMPS_VERSION_NUMBER must be defined by the build (cmake/AceuqLammps.cmake)"
#endif

#include "command.h"
#include "comm.h"
#include "compute.h"
#include "lammps.h"
#include "lammpsplugin.h"
#include "neigh_request.h"
#include "neighbor.h"
#include "pair.h"

namespace aceuq_compat {

#define ACEUQ_LAMMPS_HAS_ADD_REQUEST (LAMMPS_VERSION_NUMBER >= 20220324)
#define ACEUQ_LAMMPS_HAS_EXTRACT_PERATOM (LAMMPS_VERSION_NUMBER >= 20220915)

/* Full neighbour list for a pair style (ghost neighbours included, as
 * many-body styles need with newton pair on).  `instance` is the style's
 * instance_me (protected in LAMMPS, so the caller passes it). */
inline void request_full_list(LAMMPS_NS::LAMMPS *lmp, LAMMPS_NS::Pair *pair, int instance)
{
#if ACEUQ_LAMMPS_HAS_ADD_REQUEST
  (void)instance;
  lmp->neighbor->add_request(pair, LAMMPS_NS::NeighConst::REQ_FULL);
#else
  int r = lmp->neighbor->request(pair, instance);
  lmp->neighbor->requests[r]->half = 0;
  lmp->neighbor->requests[r]->full = 1;
#endif
}

/* Full, occasional neighbour list for a compute, optionally with its own
 * cutoff (cutoff <= 0: the force cutoff). */
inline void request_full_list(LAMMPS_NS::LAMMPS *lmp, LAMMPS_NS::Compute *compute,
                              int instance, double cutoff)
{
#if ACEUQ_LAMMPS_HAS_ADD_REQUEST
  (void)instance;
  auto req = lmp->neighbor->add_request(
      compute, LAMMPS_NS::NeighConst::REQ_FULL | LAMMPS_NS::NeighConst::REQ_OCCASIONAL);
  if (cutoff > 0.0) req->set_cutoff(cutoff);
#else
  int r = lmp->neighbor->request(compute, instance);
  LAMMPS_NS::NeighRequest *req = lmp->neighbor->requests[r];
  req->pair = 0;
  req->compute = 1;
  req->half = 0;
  req->full = 1;
  req->occasional = 1;
  if (cutoff > 0.0) {
    req->cut = 1;
    req->cutoff = cutoff;
  }
#endif
}

inline void forward_comm(LAMMPS_NS::LAMMPS *lmp, LAMMPS_NS::Pair *pair)
{
#if ACEUQ_LAMMPS_HAS_ADD_REQUEST
  lmp->comm->forward_comm(pair);
#else
  lmp->comm->forward_comm_pair(pair);
#endif
}

inline void reverse_comm(LAMMPS_NS::LAMMPS *lmp, LAMMPS_NS::Pair *pair)
{
#if ACEUQ_LAMMPS_HAS_ADD_REQUEST
  lmp->comm->reverse_comm(pair);
#else
  lmp->comm->reverse_comm_pair(pair);
#endif
}

inline void forward_comm(LAMMPS_NS::LAMMPS *lmp, LAMMPS_NS::Compute *compute)
{
#if ACEUQ_LAMMPS_HAS_ADD_REQUEST
  lmp->comm->forward_comm(compute);
#else
  lmp->comm->forward_comm_compute(compute);
#endif
}

inline void reverse_comm(LAMMPS_NS::LAMMPS *lmp, LAMMPS_NS::Compute *compute)
{
#if ACEUQ_LAMMPS_HAS_ADD_REQUEST
  lmp->comm->reverse_comm(compute);
#else
  lmp->comm->reverse_comm_compute(compute);
#endif
}

/* Fill the creator of a command-style plugin. */
typedef LAMMPS_NS::Command *(*command_creator)(LAMMPS_NS::LAMMPS *);
inline void set_command_creator(lammpsplugin_t &plugin, command_creator fn)
{
#if defined(ACEUQ_LAMMPS_PLUGIN_V3)
  plugin.creator.v3 = (lammpsplugin_factory3 *)fn;
#else
  plugin.creator.v1 = (lammpsplugin_factory1 *)fn;
#endif
}

}    // namespace aceuq_compat

#endif
