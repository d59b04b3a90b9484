# Interface to the LAMMPS that will load aceuqplugin.so.
#
# A plugin must be compiled against the headers of exactly the LAMMPS that
# loads it (class layouts, integer sizes, exception mode, MPI).  Inputs:
#   LAMMPS_SOURCE_DIR  the tree's src/ directory (required)
#   LAMMPS_BUILD_DIR   its CMake build directory (recommended): the ABI
#                      settings are read from its CMakeCache.txt, and build/lmp
#                      wraps its lmp binary
# Without LAMMPS_BUILD_DIR the settings come from LAMMPS_SIZES (default
# smallbig) and ACEUQ_LAMMPS_EXCEPTIONS (default ON); they must match the
# LAMMPS build.
# Defines: target aceuq_lammps_headers, LAMMPS_VERSION_NUMBER (YYYYMMDD),
#          LAMMPS_VERSION_STRING, ACEUQ_LMP_BINARY (may be empty).

function(aceuq_fail)
  string(JOIN "" msg ${ARGV})
  message(FATAL_ERROR "aceuq: ${msg}")
endfunction()

if(NOT LAMMPS_SOURCE_DIR)
  aceuq_fail("LAMMPS_SOURCE_DIR is not set. Point it to the src/ directory of the LAMMPS "
    "that will load the plugin (-DLAMMPS_SOURCE_DIR=/path/to/lammps/src), or run "
    "cmake/setup.sh, which builds LAMMPS from Debian's source package for you.")
endif()
get_filename_component(LAMMPS_SOURCE_DIR "${LAMMPS_SOURCE_DIR}" REALPATH)
foreach(f version.h lammpsplugin.h pointers.h pair.h)
  if(NOT EXISTS "${LAMMPS_SOURCE_DIR}/${f}")
    aceuq_fail("LAMMPS_SOURCE_DIR=${LAMMPS_SOURCE_DIR} is not a LAMMPS src/ directory "
      "with plugin support (missing ${f}). Point it to <lammps>/src of a LAMMPS "
      "version 29Sep2021 or newer.")
  endif()
endforeach()

# "#define LAMMPS_VERSION "29 Sep 2021"" -> 20210929
file(STRINGS "${LAMMPS_SOURCE_DIR}/version.h" _v REGEX "^#define LAMMPS_VERSION ")
if(NOT _v MATCHES "\"([0-9]+) ([A-Z][a-z][a-z]) ([0-9][0-9][0-9][0-9])\"")
  aceuq_fail("cannot read the version from ${LAMMPS_SOURCE_DIR}/version.h (line: '${_v}')")
endif()
set(_day ${CMAKE_MATCH_1})
set(_year ${CMAKE_MATCH_3})
set(LAMMPS_VERSION_STRING "${CMAKE_MATCH_1} ${CMAKE_MATCH_2} ${CMAKE_MATCH_3}")
set(_months Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)
list(FIND _months "${CMAKE_MATCH_2}" _mon)
if(_mon LESS 0)
  aceuq_fail("unknown month '${CMAKE_MATCH_2}' in ${LAMMPS_SOURCE_DIR}/version.h")
endif()
math(EXPR LAMMPS_VERSION_NUMBER "${_year} * 10000 + (${_mon} + 1) * 100 + ${_day}")
if(LAMMPS_VERSION_NUMBER LESS 20210929)
  aceuq_fail("LAMMPS ${LAMMPS_VERSION_STRING} is too old: aceuq needs 29Sep2021 or newer")
endif()

# ABI settings of that build
set(LAMMPS_SIZES "smallbig" CACHE STRING "LAMMPS integer sizes of the host (smallsmall|smallbig|bigbig)")
option(ACEUQ_LAMMPS_EXCEPTIONS "The host LAMMPS was built with LAMMPS_EXCEPTIONS" ON)
set(ACEUQ_LMP_BINARY "")
if(LAMMPS_BUILD_DIR)
  get_filename_component(LAMMPS_BUILD_DIR "${LAMMPS_BUILD_DIR}" REALPATH)
  set(_cache "${LAMMPS_BUILD_DIR}/CMakeCache.txt")
  if(NOT EXISTS "${_cache}")
    aceuq_fail("LAMMPS_BUILD_DIR=${LAMMPS_BUILD_DIR} has no CMakeCache.txt: not a LAMMPS CMake build directory")
  endif()
  load_cache("${LAMMPS_BUILD_DIR}" READ_WITH_PREFIX _lmp_
    lammps_SOURCE_DIR PKG_PLUGIN BUILD_SHARED_LIBS LAMMPS_EXCEPTIONS LAMMPS_SIZES BUILD_MPI)
  get_filename_component(_tree_src "${_lmp_lammps_SOURCE_DIR}/../src" REALPATH)
  if(NOT _tree_src STREQUAL LAMMPS_SOURCE_DIR)
    aceuq_fail("LAMMPS_BUILD_DIR was configured from ${_tree_src}, but LAMMPS_SOURCE_DIR is "
      "${LAMMPS_SOURCE_DIR}: the plugin must be compiled against the headers of the LAMMPS that loads it")
  endif()
  if(NOT _lmp_PKG_PLUGIN)
    aceuq_fail("the LAMMPS in ${LAMMPS_BUILD_DIR} was built without the PLUGIN package "
      "(reconfigure it with -DPKG_PLUGIN=on -DBUILD_SHARED_LIBS=on)")
  endif()
  if(NOT _lmp_BUILD_SHARED_LIBS)
    aceuq_fail("the LAMMPS in ${LAMMPS_BUILD_DIR} is not a shared-library build; plugins need -DBUILD_SHARED_LIBS=on")
  endif()
  if(NOT _lmp_BUILD_MPI)
    aceuq_fail("the LAMMPS in ${LAMMPS_BUILD_DIR} was built without MPI (BUILD_MPI=off); aceuq needs an MPI build")
  endif()
  if(_lmp_LAMMPS_SIZES)
    set(LAMMPS_SIZES "${_lmp_LAMMPS_SIZES}" CACHE STRING "" FORCE)
  endif()
  if(DEFINED _lmp_LAMMPS_EXCEPTIONS)
    set(ACEUQ_LAMMPS_EXCEPTIONS ${_lmp_LAMMPS_EXCEPTIONS} CACHE BOOL "" FORCE)
  endif()
  if(EXISTS "${LAMMPS_BUILD_DIR}/lmp")
    set(ACEUQ_LMP_BINARY "${LAMMPS_BUILD_DIR}/lmp")
  endif()
endif()
string(TOUPPER "${LAMMPS_SIZES}" _sizes)
if(NOT _sizes MATCHES "^(SMALLSMALL|SMALLBIG|BIGBIG)$")
  aceuq_fail("LAMMPS_SIZES must be smallsmall, smallbig or bigbig (got '${LAMMPS_SIZES}')")
endif()

add_library(aceuq_lammps_headers INTERFACE)
target_include_directories(aceuq_lammps_headers INTERFACE "${LAMMPS_SOURCE_DIR}")
target_compile_definitions(aceuq_lammps_headers INTERFACE
  LAMMPS_${_sizes} LAMMPS_VERSION_NUMBER=${LAMMPS_VERSION_NUMBER}
  OMPI_SKIP_MPICXX=1 MPICH_SKIP_MPICXX=1)
# newer lammpsplugin_t has creator.v3 for command styles
file(STRINGS "${LAMMPS_SOURCE_DIR}/lammpsplugin.h" _v3 REGEX "lammpsplugin_factory3")
if(_v3)
  target_compile_definitions(aceuq_lammps_headers INTERFACE ACEUQ_LAMMPS_PLUGIN_V3)
endif()
if(ACEUQ_LAMMPS_EXCEPTIONS)
  target_compile_definitions(aceuq_lammps_headers INTERFACE LAMMPS_EXCEPTIONS)
endif()
# MPI headers only: liblammps already links MPI, the plugin must not pull a second copy
target_include_directories(aceuq_lammps_headers INTERFACE ${MPI_CXX_INCLUDE_DIRS})
message(STATUS "aceuq: plugin for LAMMPS ${LAMMPS_VERSION_STRING} (${LAMMPS_VERSION_NUMBER}), "
  "${LAMMPS_SIZES}, exceptions=${ACEUQ_LAMMPS_EXCEPTIONS}, lmp=${ACEUQ_LMP_BINARY}")
