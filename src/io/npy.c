/* npy.c -- reader and writer for NumPy .npy files holding float64 matrices.
 *
 * Layout of a .npy file (format versions 1.0, 2.0, 3.0):
 *   bytes 0..5   magic "\x93NUMPY"
 *   byte  6, 7   major, minor version
 *   then         header length HLEN: uint16 little-endian (v1) or uint32 (v2, v3)
 *   then         HLEN bytes of header: a Python dict literal such as
 *                {'descr': '<f8', 'fortran_order': False, 'shape': (3, 63), }
 *                padded with spaces and ended by '\n' (v3: UTF-8, else latin-1)
 *   then         the array data, rows*cols*8 bytes.
 * Only little-endian float64 ('<f8') in C order with a 1- or 2-tuple shape is
 * accepted; everything else is reported as a format error naming the field. */
#include "file_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char npy_magic[6] = {'\x93', 'N', 'U', 'M', 'P', 'Y'};

void aceuq_array2d_release(aceuq_array2d *a)
{
  if (!a) return;
  free(a->data);
  a->data = NULL;
  a->rows = a->cols = 0;
  a->ndim = 0;
}

/* ---- header dict parser ------------------------------------------------- */

typedef struct npy_cursor {
  const char *p, *end;
} npy_cursor;

static void skip_space(npy_cursor *c)
{
  while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r')) ++c->p;
}

static int accept_char(npy_cursor *c, char ch)
{
  skip_space(c);
  if (c->p < c->end && *c->p == ch) {
    ++c->p;
    return 1;
  }
  return 0;
}

/* Python string literal in '...' or "..." without escapes -> out (NUL-terminated). */
static int parse_string(npy_cursor *c, char *out, size_t size)
{
  skip_space(c);
  if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return 0;
  char quote = *c->p++;
  size_t n = 0;
  while (c->p < c->end && *c->p != quote) {
    if (*c->p == '\\' || n + 1 >= size) return 0;
    out[n++] = *c->p++;
  }
  if (c->p >= c->end) return 0;
  ++c->p;
  out[n] = '\0';
  return 1;
}

static int parse_word(npy_cursor *c, const char *word)
{
  skip_space(c);
  size_t n = strlen(word);
  if ((size_t)(c->end - c->p) < n || strncmp(c->p, word, n) != 0) return 0;
  c->p += n;
  return 1;
}

/* shape tuple: "()", "(n,)", "(n, m)", "(n, m,)" ... ; at most 8 entries read */
static int parse_shape(npy_cursor *c, size_t *dims, int *ndim)
{
  if (!accept_char(c, '(')) return 0;
  *ndim = 0;
  for (;;) {
    if (accept_char(c, ')')) return 1;
    skip_space(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return 0;
    size_t v = 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
      size_t digit = (size_t)(*c->p - '0');
      if (v > (SIZE_MAX - digit) / 10) return 0;
      v = v * 10 + digit;
      ++c->p;
    }
    if (*ndim >= 8) return 0;
    dims[(*ndim)++] = v;
    if (accept_char(c, ',')) continue;
    if (accept_char(c, ')')) return 1;
    return 0;
  }
}

/* Parse the header dict; on success fills rows/cols/ndim. name = file name for messages. */
static aceuq_status parse_header(const char *hdr, size_t len, const char *name, aceuq_array2d *out,
                                 aceuq_error *err)
{
  npy_cursor c = {hdr, hdr + len};
  char key[64], descr[64] = "";
  int have_descr = 0, have_order = 0, have_shape = 0, fortran = 0, ndim = 0;
  size_t dims[8];
  if (!accept_char(&c, '{'))
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: .npy header is not a dict (no '{')", name);
  for (;;) {
    if (accept_char(&c, '}')) break;
    if (!parse_string(&c, key, sizeof key))
      return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: .npy header: expected a quoted key at offset %zu",
                             name, (size_t)(c.p - hdr));
    if (!accept_char(&c, ':'))
      return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: .npy header: expected ':' after key '%s'", name, key);
    if (!strcmp(key, "descr")) {
      if (!parse_string(&c, descr, sizeof descr))
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: .npy header: 'descr' is not a type string "
                               "(structured dtypes are not supported)", name);
      have_descr = 1;
    } else if (!strcmp(key, "fortran_order")) {
      if (parse_word(&c, "True")) fortran = 1;
      else if (parse_word(&c, "False")) fortran = 0;
      else
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: .npy header: 'fortran_order' must be True or False",
                               name);
      have_order = 1;
    } else if (!strcmp(key, "shape")) {
      if (!parse_shape(&c, dims, &ndim))
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: .npy header: 'shape' is not a tuple of integers",
                               name);
      have_shape = 1;
    } else {
      return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: .npy header: unexpected key '%s'", name, key);
    }
    if (accept_char(&c, ',')) continue;
    if (accept_char(&c, '}')) break;
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: .npy header: expected ',' or '}' at offset %zu", name,
                           (size_t)(c.p - hdr));
  }
  skip_space(&c);
  if (c.p != c.end)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: .npy header: garbage after the dict", name);
  if (!have_descr || !have_order || !have_shape)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: .npy header lacks '%s'", name,
                           !have_descr ? "descr" : !have_order ? "fortran_order" : "shape");
  if (strcmp(descr, "<f8") != 0) {
    const char *why = !strcmp(descr, ">f8")   ? " (big-endian float64)"
                      : !strcmp(descr, "<f4") ? " (float32)"
                                               : "";
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT,
                           "%s: .npy dtype '%s'%s is not supported; expected little-endian float64 '<f8'",
                           name, descr, why);
  }
  if (fortran)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT,
                           "%s: .npy array is in Fortran order; expected C order (fortran_order False)", name);
  if (ndim != 1 && ndim != 2)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: .npy array has %d dimensions; expected 1 or 2", name,
                           ndim);
  out->ndim = ndim;
  out->rows = dims[0];
  out->cols = ndim == 2 ? dims[1] : 1;
  return ACEUQ_OK;
}

/* ---- readers ------------------------------------------------------------- */

aceuq_status aceuq_npy_read_buffer(const void *buffer, size_t size, const char *name, aceuq_array2d *out,
                                   aceuq_error *err)
{
  const unsigned char *b = buffer;
  if (!name) name = "<buffer>";
  if (!out) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: no output array given", name);
  memset(out, 0, sizeof *out);
  if (!b && size) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: NULL buffer", name);
  if (size < 10 || memcmp(b, npy_magic, sizeof npy_magic) != 0)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: not a .npy file (bad magic)", name);
  unsigned major = b[6];
  size_t hlen, pos;
  if (major == 1) {
    hlen = (size_t)b[8] | (size_t)b[9] << 8;
    pos = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12)
      return aceuq_error_set(err, ACEUQ_ERR_IO, "%s: truncated .npy file (%zu bytes)", name, size);
    hlen = (size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24;
    pos = 12;
  } else {
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: unsupported .npy format version %u.%u", name, major,
                           (unsigned)b[7]);
  }
  if (hlen > size - pos)
    return aceuq_error_set(err, ACEUQ_ERR_IO, "%s: truncated .npy file: header needs %zu bytes, %zu present",
                           name, hlen, size - pos);
  aceuq_array2d shape = {0, 0, 0, NULL};
  aceuq_status st = parse_header((const char *)b + pos, hlen, name, &shape, err);
  if (st) return st;
  pos += hlen;
  if (shape.cols && shape.rows > SIZE_MAX / 8 / shape.cols)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: .npy shape (%zu, %zu) is too large", name, shape.rows,
                           shape.cols);
  size_t count = shape.rows * shape.cols, nbytes = count * 8;
  if (size - pos < nbytes)
    return aceuq_error_set(err, ACEUQ_ERR_IO,
                           "%s: truncated .npy file: shape (%zu, %zu) needs %zu data bytes, %zu present", name,
                           shape.rows, shape.cols, nbytes, size - pos);
  if (size - pos > nbytes)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: .npy file has %zu bytes after the data of shape (%zu, %zu)",
                           name, size - pos - nbytes, shape.rows, shape.cols);
  double *data = malloc(nbytes ? nbytes : 1);
  if (!data) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: cannot allocate %zu bytes", name, nbytes);
  /* little-endian bytes -> host double, independent of host byte order */
  for (size_t i = 0; i < count; ++i) {
    const unsigned char *q = b + pos + 8 * i;
    uint64_t u = 0;
    for (int k = 7; k >= 0; --k) u = u << 8 | q[k];
    memcpy(&data[i], &u, 8);
  }
  shape.data = data;
  *out = shape;
  return ACEUQ_OK;
}

aceuq_status aceuq_npy_read_file(const char *path, aceuq_array2d *out, aceuq_error *err)
{
  if (out) memset(out, 0, sizeof *out);
  char *buf;
  size_t len;
  aceuq_status st = aceuq_file_read_all(path, &buf, &len, err);
  if (st) return st;
  st = aceuq_npy_read_buffer(buf, len, path, out, err);
  free(buf);
  return st;
}

/* ---- writer -------------------------------------------------------------- */

aceuq_status aceuq_npy_encode(const double *data, size_t rows, size_t cols, const char *name, unsigned char **out,
                              size_t *size, aceuq_error *err)
{
  *out = NULL;
  *size = 0;
  if (!data && rows && cols) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: no data to write", name);
  if (cols && rows > (SIZE_MAX - 4096) / 8 / cols)
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: shape (%zu, %zu) is too large", name, rows, cols);
  /* header padded so that magic + length + header is a multiple of 64 bytes */
  char dict[160];
  int n = snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': (%zu, %zu), }", rows,
                   cols);
  if (n < 0 || (size_t)n >= sizeof dict)
    return aceuq_error_set(err, ACEUQ_ERR_INTERNAL, "%s: .npy header too long", name);
  size_t padded = (10 + (size_t)n + 1 + 63) / 64 * 64, hlen = padded - 10;
  size_t count = rows * cols, total = padded + 8 * count;
  unsigned char *b = malloc(total);
  if (!b) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: cannot allocate %zu bytes", name, total);
  memcpy(b, npy_magic, 6);
  b[6] = 1;
  b[7] = 0;
  b[8] = (unsigned char)(hlen & 0xff);
  b[9] = (unsigned char)(hlen >> 8);
  memcpy(b + 10, dict, (size_t)n);
  memset(b + 10 + n, ' ', hlen - (size_t)n - 1);
  b[padded - 1] = '\n';
  /* host double -> little-endian bytes, independent of host byte order */
  for (size_t i = 0; i < count; ++i) {
    uint64_t u;
    memcpy(&u, &data[i], 8);
    for (int k = 0; k < 8; ++k) b[padded + 8 * i + (size_t)k] = (unsigned char)(u >> (8 * k));
  }
  *out = b;
  *size = total;
  return ACEUQ_OK;
}

aceuq_status aceuq_npy_write_file(const char *path, const double *data, size_t rows, size_t cols,
                                  aceuq_error *err)
{
  unsigned char *buf;
  size_t len;
  aceuq_status st = aceuq_npy_encode(data, rows, cols, path, &buf, &len, err);
  if (st) return st;
  FILE *f = fopen(path, "wb");
  if (!f) {
    free(buf);
    return aceuq_error_set(err, ACEUQ_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
  }
  int ok = fwrite(buf, 1, len, f) == len;
  if (fclose(f) != 0) ok = 0;
  free(buf);
  if (!ok) return aceuq_error_set(err, ACEUQ_ERR_IO, "%s: write error: %s", path, strerror(errno));
  return ACEUQ_OK;
}
