/* scratch_dir.h -- a private temporary directory for unit tests that write
 * files (.asi / .asil archives, potentials).  Include after defining
 * _POSIX_C_SOURCE >= 200809L (mkdtemp).  scratch_create("name") makes
 * /tmp/aceuq_test_name_XXXXXX (its path is tmpdir), tpath() builds paths in
 * it, scratch_remove() deletes it with its files.  Set-up failures exit with
 * status 2, which the suite reports as an error, not as a failed check. */
#ifndef ACEUQ_TEST_SCRATCH_DIR_H
#define ACEUQ_TEST_SCRATCH_DIR_H

#include "aceuq.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[256];

static inline void scratch_fail(const char *what, const char *detail)
{
  fprintf(stderr, "test setup: %s %s\n", what, detail);
  exit(2);
}

static inline void scratch_create(const char *name)
{
  snprintf(tmpdir, sizeof tmpdir, "/tmp/aceuq_test_%s_XXXXXX", name);
  if (!mkdtemp(tmpdir)) scratch_fail("cannot create the temporary directory", tmpdir);
}

/* tmpdir/name (a few rotating static buffers) */
static inline const char *tpath(const char *name)
{
  static char buf[8][512];
  static int next = 0;
  char *p = buf[next++ % 8];
  snprintf(p, sizeof buf[0], "%s/%s", tmpdir, name);
  return p;
}

static inline void write_bytes(const char *path, const void *bytes, size_t size)
{
  FILE *f = fopen(path, "wb");
  if (!f || (size && fwrite(bytes, 1, size, f) != size) || fclose(f) != 0) scratch_fail("cannot write", path);
}

static inline unsigned char *read_bytes(const char *path, size_t *size)
{
  FILE *f = fopen(path, "rb");
  long n = -1;
  if (f && fseek(f, 0, SEEK_END) == 0) n = ftell(f);
  unsigned char *b = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (b && fseek(f, 0, SEEK_SET) == 0 && fread(b, 1, (size_t)n, f) == (size_t)n) {
    fclose(f);
    *size = (size_t)n;
    return b;
  }
  scratch_fail("cannot read", path);
  return NULL;
}

/* the potential of the given text, written to tmpdir/name and loaded */
static inline aceuq_potential *load_potential(const char *name, const char *text)
{
  const char *path = tpath(name);
  write_bytes(path, text, strlen(text));
  aceuq_potential *pot = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  if (aceuq_potential_load(path, &pot, &err) != ACEUQ_OK) scratch_fail("cannot load the test potential:", err.message);
  return pot;
}

static inline void scratch_remove(void)
{
  DIR *d = opendir(tmpdir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) remove(tpath(e->d_name));
  closedir(d);
  rmdir(tmpdir);
}

#endif
