/* npz_internal.h -- NumPy .npz archives (a zip of .npy members) through libzip.
 * Used by the active-set reader and writer; not part of the public API. */
#ifndef ACEUQ_NPZ_INTERNAL_H
#define ACEUQ_NPZ_INTERNAL_H

#include "aceuq.h"

/* One member: key = member name without ".npy" (numpy's np.load key). */
typedef struct aceuq_npz_member {
  char *key;
  aceuq_array2d array;
} aceuq_npz_member;

/* Read every member of an .npz file (stored or deflated; ZIP64 extra fields
 * as numpy writes them).  Members must be named "<key>.npy", keys must be
 * unique and every member a valid float64 C-order .npy.  Allocates *members;
 * release with aceuq_npz_members_free.  Errors name the file and member. */
aceuq_status aceuq_npz_read_file(const char *path, aceuq_npz_member **members, size_t *count, aceuq_error *err);
void aceuq_npz_members_free(aceuq_npz_member *members, size_t count);

/* Write an uncompressed .npz (what np.savez writes): member i is
 * "<keys[i]>.npy" holding the rows[i] x cols[i] row-major matrix data[i].
 * The file is written to path + ".tmp" and renamed, so a failed write never
 * leaves a truncated archive under path. */
aceuq_status aceuq_npz_write_file(const char *path, size_t count, const char *const *keys,
                                  const double *const *data, const size_t *rows, const size_t *cols,
                                  aceuq_error *err);

/* .npy bytes of a rows x cols float64 matrix (format 1.0, C order); *out is
 * malloc'ed.  name is used in messages.  (npy.c) */
aceuq_status aceuq_npy_encode(const double *data, size_t rows, size_t cols, const char *name, unsigned char **out,
                              size_t *size, aceuq_error *err);

#endif
