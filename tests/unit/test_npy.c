/* Unit tests: .npy reader/writer -- round trip, hand-made headers of all
 * three format versions, and every malformed case with its message. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, popen */
#include "aceuq.h"
#include "check.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* build a .npy image: version major, header dict text, then nvalues doubles */
static size_t make_npy(unsigned char *buf, int major, const char *dict, const double *v, size_t nvalues)
{
  size_t dl = strlen(dict), pre = major == 1 ? 10 : 12;
  size_t hlen = (pre + dl + 1 + 63) / 64 * 64 - pre;
  memcpy(buf, "\x93NUMPY", 6);
  buf[6] = (unsigned char)major;
  buf[7] = 0;
  for (size_t i = 0; i < pre - 8; ++i) buf[8 + i] = (unsigned char)(hlen >> (8 * i));
  memcpy(buf + pre, dict, dl);
  memset(buf + pre + dl, ' ', hlen - dl - 1);
  buf[pre + hlen - 1] = '\n';
  for (size_t i = 0; i < nvalues; ++i) { /* little-endian, written bytewise */
    uint64_t u;
    memcpy(&u, &v[i], 8);
    for (int b = 0; b < 8; ++b) buf[pre + hlen + 8 * i + (size_t)b] = (unsigned char)(u >> (8 * b));
  }
  return pre + hlen + 8 * nvalues;
}

static void expect_error(const unsigned char *buf, size_t n, aceuq_status code, const char *needle)
{
  aceuq_array2d a;
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_status st = aceuq_npy_read_buffer(buf, n, "t.npy", &a, &err);
  CHECK(st == code);
  CHECK(a.data == NULL);
  CHECK_STR_CONTAINS(err.message, "t.npy: ");
  CHECK_STR_CONTAINS(err.message, needle);
}

int main(void)
{
  static unsigned char buf[1 << 16];
  double v[12];
  for (int i = 0; i < 12; ++i) v[i] = (i - 5) * 0.1 + 1e-300 * i;
  v[11] = -0.0;
  aceuq_array2d a;
  aceuq_error err;
  aceuq_error_clear(&err);

  /* versions 1, 2, 3, any key order, double quotes, 1-D shape */
  size_t n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", v, 12);
  CHECK(aceuq_npy_read_buffer(buf, n, "t.npy", &a, &err) == ACEUQ_OK);
  CHECK(a.rows == 3 && a.cols == 4 && a.ndim == 2 && memcmp(a.data, v, sizeof v) == 0);
  aceuq_array2d_release(&a);
  CHECK(a.data == NULL && a.rows == 0);
  n = make_npy(buf, 2, "{\"shape\": (12,), \"fortran_order\": False, \"descr\": \"<f8\"}", v, 12);
  CHECK(aceuq_npy_read_buffer(buf, n, "t.npy", &a, &err) == ACEUQ_OK);
  CHECK(a.rows == 12 && a.cols == 1 && a.ndim == 1 && memcmp(a.data, v, sizeof v) == 0);
  aceuq_array2d_release(&a);
  n = make_npy(buf, 3, "{'descr':'<f8','fortran_order':False,'shape':(0, 63)}", v, 0);
  CHECK(aceuq_npy_read_buffer(buf, n, "t.npy", &a, &err) == ACEUQ_OK);
  CHECK(a.rows == 0 && a.cols == 63);
  aceuq_array2d_release(&a);

  /* writer -> file reader round trip (bit-exact, incl. -0.0 and subnormals) */
  char path[] = "/tmp/aceuq_test_npy_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  CHECK(aceuq_npy_write_file(path, v, 4, 3, &err) == ACEUQ_OK);
  CHECK(aceuq_npy_read_file(path, &a, &err) == ACEUQ_OK);
  CHECK(a.rows == 4 && a.cols == 3 && memcmp(a.data, v, sizeof v) == 0);
  aceuq_array2d_release(&a);
  /* the file layout is what numpy writes: header padded to 64 bytes */
  FILE *f = fopen(path, "rb");
  size_t got = fread(buf, 1, sizeof buf, f);
  fclose(f);
  CHECK(got == 128 + 96 && buf[127] == '\n' && buf[8] == 118 && buf[9] == 0);
  CHECK(memcmp(buf + 10, "{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), }", 59) == 0);
  remove(path);

  /* malformed */
  CHECK(aceuq_npy_read_file("/nonexistent/x.npy", &a, &err) == ACEUQ_ERR_IO);
  CHECK_STR_CONTAINS(err.message, "/nonexistent/x.npy: cannot open");
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", v, 12);
  expect_error(buf, n - 1, ACEUQ_ERR_IO, "truncated .npy file: shape (3, 4) needs 96 data bytes, 95 present");
  expect_error(buf, 50, ACEUQ_ERR_IO, "truncated .npy file: header needs");
  expect_error(buf, 5, ACEUQ_ERR_FORMAT, "bad magic");
  buf[1] = 'X';
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "bad magic");
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 3), }", v, 12);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "24 bytes after the data");
  n = make_npy(buf, 4, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }", v, 12);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "unsupported .npy format version 4.0");
  n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", v, 6);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "'<f4' (float32) is not supported");
  n = make_npy(buf, 1, "{'descr': '>f8', 'fortran_order': False, 'shape': (3, 4), }", v, 12);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "big-endian");
  n = make_npy(buf, 1, "{'descr': '|f8', 'fortran_order': False, 'shape': (3, 4), }", v, 12);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "'|f8' is not supported");
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': True, 'shape': (3, 4), }", v, 12);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "Fortran order");
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 2), }", v, 12);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "3 dimensions");
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (), }", v, 1);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "0 dimensions");
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, }", v, 12);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "lacks 'shape'");
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (3, 4), }", v, 12);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "'fortran_order' must be True or False");
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, x), }", v, 12);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "'shape' is not a tuple");
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999, 4), }", v, 0);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "'shape' is not a tuple");
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", v, 0);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "too large");
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), 'extra': 1}", v, 12);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "unexpected key 'extra'");
  n = make_npy(buf, 1, "('descr', '<f8')", v, 12);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "not a dict");
  n = make_npy(buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4)} trailing", v, 12);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "garbage after the dict");
  n = make_npy(buf, 1, "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3,)}", v, 3);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "structured dtypes are not supported");
  n = make_npy(buf, 1, "{'descr' '<f8'}", v, 0);
  expect_error(buf, n, ACEUQ_ERR_FORMAT, "expected ':' after key 'descr'");
  return check_summary("test_npy");
}
