/* cmd_quests.c -- `aceuq descriptors`, `aceuq entropy`, `aceuq dH`: the
 * QUESTS descriptor entropy tools (options and JSON keys as in the QUESTS
 * command-line interface).
 *
 * Periodicity follows QUESTS: a frame is periodic only if pbc is T T T;
 * any other frame (slab, cluster) is a finite cluster and its cell is
 * ignored (aceuq_quests_frame_descriptors). */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct quests_options {
  int k;
  double cutoff, bandwidth;
  const char *output;
  const char *files[64];
  int nfiles;
} quests_options;

static void print_error(const aceuq_error *err)
{
  fprintf(stderr, "aceuq: %s\n", err->message[0] ? err->message : "unknown error");
}

static int parse_int_arg(const char *s, int *v)
{
  char *end;
  long x = strtol(s, &end, 10);
  if (end == s || *end || x < -1000000 || x > 1000000) return 0;
  *v = (int)x;
  return 1;
}

static int parse_double_arg(const char *s, double *v)
{
  char *end;
  *v = strtod(s, &end);
  return end != s && !*end;
}

/* Parse options shared by the three commands; returns 0 ok, 1 bad value, 2 usage. */
static int parse_options(int argc, char **argv, int allow_output, int allow_bandwidth, quests_options *o)
{
  o->k = 32;
  o->cutoff = 5.0;
  o->bandwidth = 0.015;
  o->output = NULL;
  o->nfiles = 0;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int is_k = !strcmp(a, "--k") || !strcmp(a, "-k") || !strcmp(a, "--nbrs");
    int is_c = !strcmp(a, "--cutoff") || !strcmp(a, "-c");
    int is_b = allow_bandwidth && (!strcmp(a, "--bandwidth") || !strcmp(a, "-b"));
    int is_o = allow_output && (!strcmp(a, "-o") || !strcmp(a, "--output"));
    if (is_k || is_c || is_b || is_o) {
      if (i + 1 >= argc) {
        fprintf(stderr, "aceuq: %s: option %s needs a value\n", argv[0], a);
        return 2;
      }
      const char *v = argv[++i];
      if (is_o) {
        o->output = v;
      } else if (is_k) {
        if (!parse_int_arg(v, &o->k) || o->k < 2) {
          fprintf(stderr, "aceuq: %s: %s must be an integer >= 2, got '%s'\n", argv[0], a, v);
          return 1;
        }
      } else {
        double x;
        if (!parse_double_arg(v, &x) || !(x > 0.0) || !isfinite(x)) {
          fprintf(stderr, "aceuq: %s: %s must be a positive number, got '%s'\n", argv[0], a, v);
          return 1;
        }
        if (is_c) o->cutoff = x;
        else o->bandwidth = x;
      }
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "aceuq: %s: unknown option '%s'\n", argv[0], a);
      return 2;
    } else {
      if (o->nfiles == (int)(sizeof o->files / sizeof o->files[0])) {
        fprintf(stderr, "aceuq: %s: too many files\n", argv[0]);
        return 2;
      }
      o->files[o->nfiles++] = a;
    }
  }
  return 0;
}

/* Descriptors of all frames of the given xyz files, rows in file/frame/atom order. */
static int descriptors_of_files(const char *const *files, int nfiles, int k, double cutoff, double **out,
                                size_t *rows)
{
  size_t len = aceuq_quests_descriptor_length(k), n = 0, cap = 0;
  double *all = NULL;
  aceuq_error err;
  aceuq_error_clear(&err);
  for (int f = 0; f < nfiles; ++f) {
    aceuq_frame *frames;
    size_t nframes;
    if (aceuq_extxyz_read_file(files[f], &frames, &nframes, &err)) {
      print_error(&err);
      free(all);
      return 1;
    }
    for (size_t t = 0; t < nframes; ++t) {
      size_t na = frames[t].natoms;
      if (n + na > cap) {
        size_t nc = cap ? cap : 1024;
        while (nc < n + na) nc *= 2;
        double *grown = realloc(all, nc * len * sizeof *grown);
        if (!grown) {
          fprintf(stderr, "aceuq: %s: out of memory for %zu descriptors\n", files[f], n + na);
          aceuq_frames_free(frames, nframes);
          free(all);
          return 1;
        }
        all = grown;
        cap = nc;
      }
      if (aceuq_quests_frame_descriptors(&frames[t], k, cutoff, all + n * len, &err)) {
        fprintf(stderr, "aceuq: %s: frame %zu (line %zu): %s\n", files[f], t + 1, frames[t].line, err.message);
        aceuq_frames_free(frames, nframes);
        free(all);
        return 1;
      }
      n += na;
    }
    aceuq_frames_free(frames, nframes);
  }
  *out = all;
  *rows = n;
  return 0;
}

static int ends_with(const char *s, const char *suffix)
{
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && !strcmp(s + a - b, suffix);
}

/* Reference descriptors from a .npy matrix (checked against k) or xyz file(s). */
static int load_reference(const char *path, int k, double cutoff, double **out, size_t *rows)
{
  if (!ends_with(path, ".npy")) return descriptors_of_files(&path, 1, k, cutoff, out, rows);
  aceuq_array2d a;
  aceuq_error err;
  aceuq_error_clear(&err);
  if (aceuq_npy_read_file(path, &a, &err)) {
    print_error(&err);
    return 1;
  }
  size_t len = aceuq_quests_descriptor_length(k);
  if (a.ndim != 2 || a.cols != len) {
    fprintf(stderr, "aceuq: %s: reference has %zu columns per row, but k = %d descriptors have 2k-1 = %zu\n",
            path, a.ndim == 2 ? a.cols : (size_t)1, k, len);
    aceuq_array2d_release(&a);
    return 1;
  }
  for (size_t i = 0; i < a.rows * a.cols; ++i)
    if (!isfinite(a.data[i])) {
      fprintf(stderr, "aceuq: %s: reference row %zu column %zu is not finite (%g)\n", path, i / a.cols,
              i % a.cols, a.data[i]);
      aceuq_array2d_release(&a);
      return 1;
    }
  *out = a.data;
  *rows = a.rows;
  return 0;
}

/* ---- JSON output ------------------------------------------------------- */

/* A float the way Python's json module prints it: shortest repr that reads
 * back exactly, positional for 1e-4 <= |v| < 1e16, "Infinity" for inf. */
static void json_double(FILE *out, double v)
{
  if (isnan(v)) {
    fputs("NaN", out);
    return;
  }
  if (isinf(v)) {
    fputs(v > 0 ? "Infinity" : "-Infinity", out);
    return;
  }
  char buf[40];
  for (int p = 1; p <= 17; ++p) {
    snprintf(buf, sizeof buf, "%.*e", p - 1, v);
    if (strtod(buf, NULL) == v) break;
  }
  /* buf = [-]D[.DDD]e(+|-)XX */
  const char *s = buf;
  int neg = *s == '-';
  if (neg) ++s;
  char digits[24];
  int nd = 0;
  for (; *s != 'e'; ++s)
    if (*s != '.') digits[nd++] = *s;
  int e = atoi(s + 1);
  while (nd > 1 && digits[nd - 1] == '0') --nd;
  if (neg) fputc('-', out);
  if (e >= -4 && e < 16) {
    if (e >= 0) {
      for (int i = 0; i <= e; ++i) fputc(i < nd ? digits[i] : '0', out);
      fputc('.', out);
      if (nd > e + 1) fwrite(digits + e + 1, 1, (size_t)(nd - e - 1), out);
      else fputc('0', out);
    } else {
      fputs("0.", out);
      for (int i = 0; i < -e - 1; ++i) fputc('0', out);
      fwrite(digits, 1, (size_t)nd, out);
    }
  } else {
    fputc(digits[0], out);
    if (nd > 1) {
      fputc('.', out);
      fwrite(digits + 1, 1, (size_t)(nd - 1), out);
    }
    fprintf(out, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
  }
}

static void json_string(FILE *out, const char *s)
{
  fputc('"', out);
  for (; *s; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
    else if (c < 0x20) fprintf(out, "\\u%04x", c);
    else fputc(c, out);
  }
  fputc('"', out);
}

static void json_params(FILE *out, const quests_options *o)
{
  fprintf(out, "\"k\": %d, \"cutoff\": ", o->k);
  json_double(out, o->cutoff);
  fputs(", \"bandwidth\": ", out);
  json_double(out, o->bandwidth);
}

/* ---- commands ---------------------------------------------------------- */

int cli_cmd_descriptors(int argc, char **argv)
{
  quests_options o;
  int rc = parse_options(argc, argv, 1, 0, &o);
  if (rc) return rc;
  if (o.nfiles < 1 || !o.output) {
    fprintf(stderr, "usage: aceuq descriptors FILE.xyz [FILE.xyz ...] -o OUT.npy [--k 32] [--cutoff 5.0]\n");
    return 2;
  }
  double *x;
  size_t n;
  if (descriptors_of_files(o.files, o.nfiles, o.k, o.cutoff, &x, &n)) return 1;
  aceuq_error err;
  aceuq_error_clear(&err);
  rc = 0;
  if (aceuq_npy_write_file(o.output, x, n, aceuq_quests_descriptor_length(o.k), &err)) {
    print_error(&err);
    rc = 1;
  }
  free(x);
  return rc;
}

int cli_cmd_entropy(int argc, char **argv)
{
  quests_options o;
  int rc = parse_options(argc, argv, 0, 1, &o);
  if (rc) return rc;
  if (o.nfiles != 1) {
    fprintf(stderr, "usage: aceuq entropy FILE.xyz [--k 32] [--cutoff 5.0] [--bandwidth 0.015]\n");
    return 2;
  }
  double *x;
  size_t n;
  if (descriptors_of_files(o.files, 1, o.k, o.cutoff, &x, &n)) return 1;
  double H, D;
  aceuq_error err;
  aceuq_error_clear(&err);
  if (aceuq_quests_entropy(x, n, aceuq_quests_descriptor_length(o.k), o.bandwidth, &H, &D, &err)) {
    fprintf(stderr, "aceuq: %s: %s\n", o.files[0], err.message);
    free(x);
    return 1;
  }
  free(x);
  printf("{\"file\": ");
  json_string(stdout, o.files[0]);
  printf(", \"n_envs\": %zu, ", n);
  json_params(stdout, &o);
  printf(", \"entropy\": ");
  json_double(stdout, H);
  printf(", \"max_entropy\": ");
  json_double(stdout, log((double)n));
  printf(", \"diversity\": ");
  json_double(stdout, D);
  printf("}\n");
  return 0;
}

int cli_cmd_delta_entropy(int argc, char **argv)
{
  quests_options o;
  int rc = parse_options(argc, argv, 0, 1, &o);
  if (rc) return rc;
  if (o.nfiles != 2) {
    fprintf(stderr, "usage: aceuq dH TEST.xyz REF.(npy|xyz) [--k 32] [--cutoff 5.0] [--bandwidth 0.015]\n");
    return 2;
  }
  double *ref, *test;
  size_t nref, ntest;
  if (load_reference(o.files[1], o.k, o.cutoff, &ref, &nref)) return 1;
  if (nref == 0) {
    fprintf(stderr, "aceuq: %s: reference has no environments\n", o.files[1]);
    free(ref);
    return 1;
  }
  if (descriptors_of_files(o.files, 1, o.k, o.cutoff, &test, &ntest)) {
    free(ref);
    return 1;
  }
  double *dH = malloc(sizeof *dH * (ntest ? ntest : 1));
  aceuq_error err;
  aceuq_error_clear(&err);
  if (!dH || aceuq_quests_delta_entropy(test, ntest, ref, nref, aceuq_quests_descriptor_length(o.k), o.bandwidth,
                                        dH, NULL, &err)) {
    fprintf(stderr, "aceuq: %s: %s\n", o.files[0], dH ? err.message : "out of memory");
    free(dH);
    free(ref);
    free(test);
    return 1;
  }
  printf("{\"reference_file\": ");
  json_string(stdout, o.files[1]);
  printf(", \"test_file\": ");
  json_string(stdout, o.files[0]);
  printf(", \"test_envs\": %zu, \"ref_envs\": %zu, ", ntest, nref);
  json_params(stdout, &o);
  printf(", \"delta_entropy\": [");
  for (size_t i = 0; i < ntest; ++i) {
    if (i) printf(", ");
    json_double(stdout, dH[i]);
  }
  printf("]}\n");
  free(dH);
  free(ref);
  free(test);
  return 0;
}
