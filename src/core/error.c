/* error.c -- status codes and caller-owned error reports. */
#include "error_internal.h"

#include <stdio.h>
#include <string.h>

void aceuq_error_clear(aceuq_error *err)
{
  if (!err) return;
  err->code = ACEUQ_OK;
  err->message[0] = '\0';
}

const char *aceuq_status_name(aceuq_status code)
{
  switch (code) {
  case ACEUQ_OK: return "ok";
  case ACEUQ_ERR_IO: return "I/O error";
  case ACEUQ_ERR_FORMAT: return "format error";
  case ACEUQ_ERR_VALUE: return "invalid value";
  case ACEUQ_ERR_MISMATCH: return "mismatch";
  case ACEUQ_ERR_NOMEM: return "out of memory";
  case ACEUQ_ERR_LINALG: return "linear algebra error";
  case ACEUQ_ERR_INTERNAL: return "internal error";
  }
  return "unknown status";
}

aceuq_status aceuq_error_set(aceuq_error *err, aceuq_status code, const char *fmt, ...)
{
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    err->code = code;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
  }
  return code;
}

aceuq_status aceuq_error_prefix(aceuq_error *err, const char *fmt, ...)
{
  if (!err || err->code == ACEUQ_OK) return err ? err->code : ACEUQ_OK;
  char prefix[ACEUQ_ERROR_MESSAGE_SIZE];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(prefix, sizeof prefix - 2, fmt, ap);
  va_end(ap);
  if (n < 0) return err->code;
  size_t plen = strlen(prefix);
  memcpy(prefix + plen, ": ", 3);
  plen += 2;
  /* shift the old message right by plen (truncating its end), then copy the prefix in */
  size_t cap = sizeof err->message - 1;
  size_t olen = strlen(err->message);
  if (plen >= cap) plen = cap;
  if (olen > cap - plen) olen = cap - plen;
  memmove(err->message + plen, err->message, olen);
  memcpy(err->message, prefix, plen);
  err->message[plen + olen] = '\0';
  return err->code;
}
