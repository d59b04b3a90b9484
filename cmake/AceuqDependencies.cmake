# Debian packages aceuq links against.  Each failure names the package to
# install (cmake/deps.sh installs all of them).

# OpenBLAS, found explicitly: the image also carries the reference BLAS, and
# a silent fallback to it would be many times slower.  OpenBLAS contains LAPACK.
find_library(ACEUQ_OPENBLAS_LIBRARY NAMES openblas
  PATH_SUFFIXES openblas-pthread openblas-openmp openblas-serial)
if(NOT ACEUQ_OPENBLAS_LIBRARY)
  message(FATAL_ERROR "aceuq: OpenBLAS not found. Install it: apt-get install libopenblas-dev")
endif()

find_package(PkgConfig REQUIRED)
pkg_check_modules(ACEUQ_YAML IMPORTED_TARGET yaml-0.1)
if(NOT ACEUQ_YAML_FOUND)
  message(FATAL_ERROR "aceuq: libyaml not found. Install it: apt-get install libyaml-dev")
endif()
pkg_check_modules(ACEUQ_ZIP IMPORTED_TARGET libzip)
if(NOT ACEUQ_ZIP_FOUND)
  message(FATAL_ERROR "aceuq: libzip not found. Install it: apt-get install libzip-dev")
endif()

find_package(MPI COMPONENTS C CXX)
if(NOT MPI_FOUND AND ACEUQ_BUILD_PLUGIN)
  message(FATAL_ERROR "aceuq: MPI not found. Install it: apt-get install libopenmpi-dev openmpi-bin")
endif()

find_library(ACEUQ_MATH_LIBRARY m)
