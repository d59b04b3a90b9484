/*
 * aceuq.h -- public C API of libaceuq, the core of aceuq (uncertainty-aware
 * Atomic Cluster Expansion for LAMMPS).
 *
 * The library knows nothing about LAMMPS.  Conventions for every function:
 *  - fallible calls return an aceuq_status; on failure the optional
 *    aceuq_error* (caller-owned, may be NULL) receives the code and a message
 *    that names the file, key/line and the problem;
 *  - inputs are flat, explicitly shaped, const arrays; outputs are
 *    caller-owned unless a function says it allocates;
 *  - no global mutable state, nothing is printed, nothing exits;
 *  - objects are opaque handles made by the aceuq_X_create or aceuq_X_load
 *    functions and released by the matching aceuq_X_free (NULL is ignored).
 */
#ifndef ACEUQ_H
#define ACEUQ_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define ACEUQ_API __attribute__((visibility("default")))
#else
#define ACEUQ_API
#endif

/* ---- version ------------------------------------------------------------ */
#define ACEUQ_VERSION_MAJOR 0
#define ACEUQ_VERSION_MINOR 1
#define ACEUQ_VERSION_PATCH 0

/* "MAJOR.MINOR.PATCH" of the library that is linked (may differ from the
 * header's macros if a stale library is picked up). */
ACEUQ_API const char *aceuq_version(void);

/* ---- errors ------------------------------------------------------------- */
typedef enum aceuq_status {
  ACEUQ_OK = 0,
  ACEUQ_ERR_IO = 1,        /* file missing, unreadable, truncated          */
  ACEUQ_ERR_FORMAT = 2,    /* file readable but malformed                   */
  ACEUQ_ERR_VALUE = 3,     /* argument or file value out of range           */
  ACEUQ_ERR_MISMATCH = 4,  /* inconsistent inputs (elements, sizes, shapes) */
  ACEUQ_ERR_NOMEM = 5,     /* allocation failed                             */
  ACEUQ_ERR_LINALG = 6,    /* BLAS/LAPACK failure (singular matrix, ...)    */
  ACEUQ_ERR_INTERNAL = 7   /* bug: please report                            */
} aceuq_status;

#define ACEUQ_ERROR_MESSAGE_SIZE 1024

/* Caller-owned error report; zero-initialise or aceuq_error_clear() it. */
typedef struct aceuq_error {
  aceuq_status code;
  char message[ACEUQ_ERROR_MESSAGE_SIZE];
} aceuq_error;

ACEUQ_API void aceuq_error_clear(aceuq_error *err);
/* Short constant name of a status code, e.g. "format error". */
ACEUQ_API const char *aceuq_status_name(aceuq_status code);

/* ---- build / linear algebra configuration ------------------------------- */
/* Human-readable description of the BLAS/LAPACK the library was linked with
 * (OpenBLAS configuration string), written into buf (always NUL-terminated). */
ACEUQ_API void aceuq_blas_info(char *buf, size_t size);
/* Number of BLAS threads used by this process.  LAMMPS runs one MPI rank per
 * core, so the plugin pins this to 1 unless the user asks otherwise. */
ACEUQ_API void aceuq_blas_set_threads(int nthreads);
ACEUQ_API int aceuq_blas_get_threads(void);

#ifdef __cplusplus
}
#endif

#endif /* ACEUQ_H */
