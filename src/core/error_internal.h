/* error_internal.h -- helpers for filling aceuq_error inside the library. */
#ifndef ACEUQ_ERROR_INTERNAL_H
#define ACEUQ_ERROR_INTERNAL_H

#include "aceuq.h"

#include <stdarg.h>

#if defined(__GNUC__)
#define ACEUQ_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ACEUQ_PRINTF(f, a)
#endif

/* Record (code, printf-style message) in err (if non-NULL); returns code so
 * that callers can write `return aceuq_error_set(err, ..., ...);`. */
aceuq_status aceuq_error_set(aceuq_error *err, aceuq_status code, const char *fmt, ...)
    ACEUQ_PRINTF(3, 4);

/* Prepend context ("file.yaml", "element Cu", ...) to an existing message:
 * "<prefix>: <old message>".  No-op when err is NULL or holds ACEUQ_OK. */
aceuq_status aceuq_error_prefix(aceuq_error *err, const char *fmt, ...) ACEUQ_PRINTF(2, 3);

#endif
