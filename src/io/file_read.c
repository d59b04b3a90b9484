/* file_read.c -- read a whole file into memory (for the text and .npy readers). */
#include "file_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

aceuq_status aceuq_file_read_all(const char *path, char **data, size_t *size, aceuq_error *err)
{
  *data = NULL;
  *size = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return aceuq_error_set(err, ACEUQ_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  while (buf) {
    len += fread(buf + len, 1, cap - len, f);
    if (len < cap) break;
    char *grown = realloc(buf, cap * 2);
    if (!grown) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = grown;
    cap *= 2;
  }
  int read_error = ferror(f);
  fclose(f);
  if (!buf) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory reading the file", path);
  if (read_error) {
    free(buf);
    return aceuq_error_set(err, ACEUQ_ERR_IO, "%s: read error", path);
  }
  *data = buf;
  *size = len;
  return ACEUQ_OK;
}
