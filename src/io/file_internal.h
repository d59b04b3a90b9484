/* file_internal.h -- whole-file input shared by the file readers. */
#ifndef ACEUQ_FILE_INTERNAL_H
#define ACEUQ_FILE_INTERNAL_H

#include "error_internal.h"

/* Read all bytes of path into *data (malloc'ed, caller frees; not
 * NUL-terminated) and their count into *size. */
aceuq_status aceuq_file_read_all(const char *path, char **data, size_t *size, aceuq_error *err);

#endif
