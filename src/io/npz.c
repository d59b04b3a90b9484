/* npz.c -- NumPy .npz archives: a zip file whose members "<key>.npy" are .npy
 * arrays (np.savez: stored; np.savez_compressed: deflated).  The zip layer is
 * libzip (Debian libzip), which also handles the ZIP64 extra fields numpy
 * writes into every local header; the .npy layer is npy.c. */
#include "npz_internal.h"

#include "error_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

static const char npy_suffix[] = ".npy";

void aceuq_npz_members_free(aceuq_npz_member *members, size_t count)
{
  if (!members) return;
  for (size_t i = 0; i < count; ++i) {
    free(members[i].key);
    aceuq_array2d_release(&members[i].array);
  }
  free(members);
}

static aceuq_status zip_failure(aceuq_error *err, aceuq_status code, const char *path, const char *what,
                                zip_error_t *ze)
{
  return aceuq_error_set(err, code, "%s: %s: %s", path, what, zip_error_strerror(ze));
}

/* Key of member `name` ("<key>.npy"), malloc'ed; NULL with err set otherwise. */
static char *member_key(const char *path, const char *name, aceuq_error *err)
{
  size_t n = strlen(name), s = sizeof npy_suffix - 1;
  if (n <= s || strcmp(name + n - s, npy_suffix) != 0 || strchr(name, '/')) {
    aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: member '%s' is not a .npy array (expected '<key>.npy')", path,
                    name);
    return NULL;
  }
  char *key = malloc(n - s + 1);
  if (!key) {
    aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", path);
    return NULL;
  }
  memcpy(key, name, n - s);
  key[n - s] = '\0';
  return key;
}

/* All bytes of member `index` (size from the central directory; the CRC is
 * checked by libzip when the end of the member is read). */
static aceuq_status read_member(zip_t *za, zip_uint64_t index, const char *path, const char *name,
                                unsigned char **out, size_t *size, aceuq_error *err)
{
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(za, index, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
    return zip_failure(err, ACEUQ_ERR_FORMAT, path, name, zip_get_error(za));
  /* a stored member is as long as its data; deflate expands by at most 1032:1.  A directory
   * entry claiming more is corrupt (and must not make us allocate gigabytes). */
  const int stored = (st.valid & ZIP_STAT_COMP_METHOD) && st.comp_method == ZIP_CM_STORE;
  const zip_uint64_t limit = !(st.valid & ZIP_STAT_COMP_SIZE) ? st.size
                             : stored                       ? st.comp_size
                                                            : 1032 * st.comp_size + 1024;
  if (st.size > (zip_uint64_t)SIZE_MAX - 1 || st.size > limit)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: member '%s' claims %llu bytes from %llu stored bytes: "
                           "corrupt archive", path, name, (unsigned long long)st.size,
                           (unsigned long long)st.comp_size);
  unsigned char *buf = malloc((size_t)st.size + 1);
  if (!buf)
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: member '%s': cannot allocate %llu bytes", path, name,
                           (unsigned long long)st.size);
  zip_file_t *zf = zip_fopen_index(za, index, 0);
  if (!zf) {
    free(buf);
    return zip_failure(err, ACEUQ_ERR_FORMAT, path, name, zip_get_error(za));
  }
  zip_uint64_t got = 0;
  aceuq_status status = ACEUQ_OK;
  for (;;) {
    /* read one byte beyond the declared size: a member longer than its
     * directory entry, or a CRC mismatch at the end, is an error */
    zip_int64_t r = zip_fread(zf, buf + got, st.size + 1 - got);
    if (r < 0) {
      status = zip_failure(err, ACEUQ_ERR_IO, path, name, zip_file_get_error(zf));
      break;
    }
    if (r == 0) break;
    got += (zip_uint64_t)r;
    if (got > st.size) {
      status = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: member '%s' is longer than its directory entry",
                               path, name);
      break;
    }
  }
  zip_fclose(zf);
  if (!status && got != st.size)
    status = aceuq_error_set(err, ACEUQ_ERR_IO, "%s: member '%s' is truncated (%llu of %llu bytes)", path, name,
                             (unsigned long long)got, (unsigned long long)st.size);
  if (status) {
    free(buf);
    return status;
  }
  *out = buf;
  *size = (size_t)st.size;
  return ACEUQ_OK;
}

aceuq_status aceuq_npz_read_file(const char *path, aceuq_npz_member **members, size_t *count, aceuq_error *err)
{
  *members = NULL;
  *count = 0;
  int zerr = 0;
  zip_t *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
  if (!za) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, zerr);
    aceuq_status code = (zerr == ZIP_ER_NOENT || zerr == ZIP_ER_OPEN || zerr == ZIP_ER_READ) ? ACEUQ_ERR_IO
                                                                                               : ACEUQ_ERR_FORMAT;
    /* with ZIP_RDONLY, libzip reports ZIP_ER_EXISTS only for two members of the same name */
    aceuq_status st = aceuq_error_set(err, code, "%s: cannot open as .npz (zip) archive: %s", path,
                                      zerr == ZIP_ER_EXISTS ? "two members have the same name"
                                                            : zip_error_strerror(&ze));
    zip_error_fini(&ze);
    return st;
  }
  zip_int64_t n = zip_get_num_entries(za, 0);
  aceuq_status st = ACEUQ_OK;
  aceuq_npz_member *m = n > 0 ? calloc((size_t)n, sizeof *m) : NULL;
  if (n <= 0) st = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: the .npz archive has no members", path);
  else if (!m) st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", path);
  size_t done = 0;
  for (zip_int64_t i = 0; !st && i < n; ++i) {
    const char *name = zip_get_name(za, (zip_uint64_t)i, 0);
    if (!name) {
      st = zip_failure(err, ACEUQ_ERR_FORMAT, path, "member name", zip_get_error(za));
      break;
    }
    if (!(m[done].key = member_key(path, name, err))) {
      st = err ? err->code : ACEUQ_ERR_FORMAT;
      break;
    }
    for (size_t j = 0; j < done && !st; ++j)
      if (!strcmp(m[j].key, m[done].key))
        st = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: member '%s' appears twice", path, name);
    ++done;
    unsigned char *bytes = NULL;
    size_t size = 0;
    if (!st) st = read_member(za, (zip_uint64_t)i, path, name, &bytes, &size, err);
    if (!st) {
      char where[512];
      snprintf(where, sizeof where, "%s, member '%s'", path, name);
      st = aceuq_npy_read_buffer(bytes, size, where, &m[done - 1].array, err);
    }
    free(bytes);
  }
  zip_discard(za);
  if (st) {
    aceuq_npz_members_free(m, done);
    return st;
  }
  *members = m;
  *count = done;
  return ACEUQ_OK;
}

/* Members are stamped 1980-01-02 12:00 UTC, not the time of writing: the same
 * matrices give the same file, byte for byte (reproducible active sets). */
static const time_t npz_fixed_mtime = 315662400;

aceuq_status aceuq_npz_write_file(const char *path, size_t count, const char *const *keys,
                                  const double *const *data, const size_t *rows, const size_t *cols,
                                  aceuq_error *err)
{
  if (count == 0) /* libzip deletes an archive without members instead of writing it */
    return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: an .npz archive needs at least one member", path);
  size_t plen = strlen(path);
  char *tmp = malloc(plen + 5);
  if (!tmp) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", path);
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmp", 5);
  remove(tmp);
  int zerr = 0;
  zip_t *za = zip_open(tmp, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
  if (!za) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, zerr);
    aceuq_status st = zip_failure(err, ACEUQ_ERR_IO, path, "cannot create", &ze);
    zip_error_fini(&ze);
    free(tmp);
    return st;
  }
  aceuq_status st = ACEUQ_OK;
  for (size_t i = 0; !st && i < count; ++i) {
    char name[256];
    if (snprintf(name, sizeof name, "%s%s", keys[i], npy_suffix) >= (int)sizeof name) {
      st = aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: member key '%s' is too long", path, keys[i]);
      break;
    }
    unsigned char *bytes;
    size_t size;
    st = aceuq_npy_encode(data[i], rows[i], cols[i], name, &bytes, &size, err);
    if (st) break;
    zip_source_t *src = zip_source_buffer(za, bytes, size, 1); /* libzip frees bytes */
    if (!src) {
      free(bytes);
      st = zip_failure(err, ACEUQ_ERR_NOMEM, path, name, zip_get_error(za));
      break;
    }
    zip_int64_t idx = zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8);
    if (idx < 0) {
      zip_source_free(src);
      st = zip_failure(err, ACEUQ_ERR_IO, path, name, zip_get_error(za));
    } else if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_STORE, 0) != 0 ||
               zip_file_set_mtime(za, (zip_uint64_t)idx, npz_fixed_mtime, 0) != 0) {
      st = zip_failure(err, ACEUQ_ERR_IO, path, name, zip_get_error(za));
    }
  }
  if (st) {
    zip_discard(za);
  } else if (zip_close(za) != 0) {
    st = zip_failure(err, ACEUQ_ERR_IO, path, "write", zip_get_error(za));
    zip_discard(za);
  } else if (rename(tmp, path) != 0) {
    st = aceuq_error_set(err, ACEUQ_ERR_IO, "%s: cannot rename %s into place", path, tmp);
  }
  if (st) remove(tmp);
  free(tmp);
  return st;
}
