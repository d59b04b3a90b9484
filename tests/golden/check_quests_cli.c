/* CLI-level checks of `aceuq descriptors`, `aceuq entropy`, `aceuq dH` against
 * the QUESTS reference data, and of their error messages.
 *   check_quests_cli <aceuq> <shared/reference/quests> <scratch dir> <mode>
 * mode: dH | entropy | descriptors | errors.  Exit 77 (skip) without the data.
 * Reference values are read from the .txt files, the JSON output is parsed
 * here (numbers, Infinity). */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, popen */
#include "aceuq.h"
#include "check.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char *aceuq, *refdir, *scratch;

/* run "aceuq args" with stderr merged; returns exit status, output in *out */
static int run(const char *args, char **out)
{
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "'%s' %s 2>&1", aceuq, args);
  FILE *p = popen(cmd, "r");
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
    n += got;
    if (n + 1 == cap) buf = realloc(buf, cap *= 2);
  }
  buf[n] = '\0';
  int status = pclose(p);
  *out = buf;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* the number after "key": in a one-line JSON object */
static double json_number(const char *json, const char *key)
{
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\": ", key);
  const char *s = strstr(json, pat);
  if (!s) return NAN;
  s += strlen(pat);
  if (!strncmp(s, "Infinity", 8)) return HUGE_VAL;
  return strtod(s, NULL);
}

/* the list after "key": [ ... ] */
static double *json_list(const char *json, const char *key, size_t *n)
{
  char pat[64];
  snprintf(pat, sizeof pat, "\"%s\": [", key);
  const char *s = strstr(json, pat);
  *n = 0;
  if (!s) return NULL;
  s += strlen(pat);
  size_t cap = 256;
  double *v = malloc(cap * sizeof *v);
  while (*s && *s != ']') {
    while (*s == ' ' || *s == ',') ++s;
    if (*s == ']') break;
    char *end;
    double x;
    if (!strncmp(s, "Infinity", 8)) x = HUGE_VAL, end = (char *)s + 8;
    else x = strtod(s, &end);
    if (end == s) break;
    if (*n == cap) v = realloc(v, (cap *= 2) * sizeof *v);
    v[(*n)++] = x;
    s = end;
  }
  return v;
}

static double *read_txt(const char *path, size_t *n)
{
  FILE *f = fopen(path, "r");
  size_t cap = 1024;
  double *v = malloc(cap * sizeof *v);
  *n = 0;
  double x;
  while (f && fscanf(f, "%lf", &x) == 1) {
    if (*n == cap) v = realloc(v, (cap *= 2) * sizeof *v);
    v[(*n)++] = x;
  }
  if (f) fclose(f);
  return v;
}

/* aceuq dH <test> <ref> <opts> vs out/dH_<tag>/<name>__ref1.txt */
static void check_dH(const char *name, const char *ref, const char *opts, const char *tag, double tol)
{
  char args[2048], path[1024];
  snprintf(args, sizeof args, "dH '%s/data/%s.xyz' '%s' %s", refdir, name, ref, opts);
  char *out;
  int rc = run(args, &out);
  CHECK(rc == 0);
  size_t n, nr;
  double *dH = json_list(out, "delta_entropy", &n);
  snprintf(path, sizeof path, "%s/out/dH_%s/%s__ref1.txt", refdir, tag, name);
  double *dr = read_txt(path, &nr);
  CHECK(n == nr && nr > 0);
  CHECK(json_number(out, "test_envs") == (double)nr && json_number(out, "ref_envs") == 256.0);
  CHECK_STR_CONTAINS(out, "\"reference_file\": ");
  double worst = 0;
  int infs_equal = 1;
  for (size_t i = 0; i < n && n == nr; ++i) {
    if (isinf(dr[i]) || isinf(dH[i])) infs_equal &= dr[i] == dH[i];
    else worst = fmax(worst, fabs(dH[i] - dr[i]));
  }
  CHECK(infs_equal);
  CHECK_CLOSE(worst, 0.0, tol);
  printf("dH %s vs %s (%s): max |diff| %.2e\n", name, ref, tag, worst);
  free(out);
  free(dH);
  free(dr);
}

static void expect_failure(const char *args, const char *message)
{
  char *out;
  int rc = run(args, &out);
  CHECK(rc == 1);
  CHECK_STR_CONTAINS(out, message);
  CHECK(strncmp(out, "aceuq: ", 7) == 0 && strchr(out, '\n') == out + strlen(out) - 1); /* one line */
  free(out);
}

int main(int argc, char **argv)
{
  if (argc != 5) {
    fprintf(stderr, "usage: %s <aceuq> <reference dir> <scratch dir> dH|entropy|descriptors|errors\n", argv[0]);
    return 2;
  }
  aceuq = argv[1];
  refdir = argv[2];
  scratch = argv[3];
  const char *mode = argv[4];
  char path[1024], path2[2048], args[4096];
  struct stat sb;
  snprintf(path, sizeof path, "%s/out/summary_table.txt", refdir);
  if (stat(path, &sb) != 0) {
    printf("SKIP: QUESTS reference data not found at %s (set ACEUQ_SHARED_DIR)\n", refdir);
    return 77;
  }
  mkdir(scratch, 0755);

  if (!strcmp(mode, "dH")) {
    /* reference as QUESTS's own .npy, and as xyz computed by aceuq */
    snprintf(path, sizeof path, "%s/out/desc_k32_c5.0/cu_fcc_rattle005.npy", refdir);
    check_dH("cu_fcc_rattle02", path, "", "k32_c5.0_h0.015", 1e-8);
    check_dH("cu_liquid200", path, "--bandwidth 0.05", "k32_c5.0_h0.05", 1e-9);
    snprintf(path, sizeof path, "%s/data/cu_fcc_rattle005.xyz", refdir);
    check_dH("cu_liquid200", path, "--k 16 --cutoff 6.0 --bandwidth 0.015", "k16_c6.0_h0.015", 1e-8);
    check_dH("cu_fcc_rattle005", path, "-k 16 -c 6 -b 0.05", "k16_c6.0_h0.05", 1e-9);
    /* the slab: cluster path, 8 atoms with dH = +inf (Infinity in JSON); its
     * two tied atoms are finite, so a loose bound for the finite ones */
    check_dH("cu_slab111_pbcTTF", path, "", "k32_c5.0_h0.015", 0.1 * 400);
  } else if (!strcmp(mode, "entropy")) {
    char *out;
    snprintf(args, sizeof args, "entropy '%s/data/cu_liquid200.xyz'", refdir);
    CHECK(run(args, &out) == 0);
    CHECK_CLOSE(json_number(out, "entropy"), 5.2971809824246661, 1e-10);
    CHECK_CLOSE(json_number(out, "diversity"), 5.297184277704071, 1e-10);
    CHECK(json_number(out, "n_envs") == 200 && json_number(out, "k") == 32);
    CHECK_STR_CONTAINS(out, "\"cutoff\": 5.0, \"bandwidth\": 0.015,");
    printf("%s", out);
    free(out);
    snprintf(args, sizeof args, "entropy '%s/data/cu_fcc_rattle02.xyz' --k 16 --cutoff 6.0 --bandwidth 0.05",
             refdir);
    CHECK(run(args, &out) == 0);
    CHECK_CLOSE(json_number(out, "entropy"), 1.8569465688297115, 1e-10);
    CHECK_CLOSE(json_number(out, "diversity"), 2.0950365669871784, 1e-10);
    printf("%s", out);
    free(out);
  } else if (!strcmp(mode, "descriptors")) {
    /* two files, rows in file order; compare the written .npy with QUESTS's text output */
    snprintf(path, sizeof path, "%s/desc.npy", scratch);
    snprintf(args, sizeof args, "descriptors '%s/data/cu_fcc_rattle005.xyz' '%s/data/cu_fcc_prim1.xyz' "
             "'%s/data/cu_liquid200.xyz' -o '%s' --k 16 --cutoff 6.0", refdir, refdir, refdir, path);
    char *out;
    CHECK(run(args, &out) == 0);
    free(out);
    aceuq_array2d a;
    aceuq_error err;
    aceuq_error_clear(&err);
    CHECK(aceuq_npy_read_file(path, &a, &err) == ACEUQ_OK);
    CHECK(a.ndim == 2 && a.rows == 256 + 1 + 200 && a.cols == 31);
    const char *names[] = {"cu_fcc_rattle005", "cu_fcc_prim1", "cu_liquid200"};
    size_t row = 0;
    double worst = 0;
    for (int f = 0; f < 3 && a.rows == 457; ++f) {
      size_t n;
      snprintf(path2, sizeof path2, "%s/out/desc_k16_c6.0/%s.txt", refdir, names[f]);
      double *r = read_txt(path2, &n);
      for (size_t i = 0; i < n; ++i) worst = fmax(worst, fabs(a.data[row * 31 + i] - r[i]));
      row += n / 31;
      free(r);
    }
    CHECK(row == 457);
    CHECK_CLOSE(worst, 0.0, 1e-10);
    printf("descriptors: 457 rows, max |diff| %.2e\n", worst);
    aceuq_array2d_release(&a);
    remove(path);
  } else if (!strcmp(mode, "errors")) {
    char xyz[1024], npy16[1024];
    snprintf(xyz, sizeof xyz, "%s/data/cu_fcc_prim1.xyz", refdir);
    snprintf(npy16, sizeof npy16, "%s/out/desc_k16_c6.0/cu_fcc_prim1.npy", refdir);
    snprintf(args, sizeof args, "entropy '%s' --k 1", xyz);
    expect_failure(args, "aceuq: entropy: --k must be an integer >= 2, got '1'");
    snprintf(args, sizeof args, "entropy '%s' --cutoff 0", xyz);
    expect_failure(args, "--cutoff must be a positive number, got '0'");
    snprintf(args, sizeof args, "dH '%s' '%s' --bandwidth -0.1", xyz, npy16);
    expect_failure(args, "--bandwidth must be a positive number, got '-0.1'");
    snprintf(args, sizeof args, "dH '%s' '%s'", xyz, npy16);
    snprintf(path2, sizeof path2,
             "aceuq: %s: reference has 31 columns per row, but k = 32 descriptors have 2k-1 = 63", npy16);
    expect_failure(args, path2);
    /* NaN in the reference, truncated and missing reference */
    double bad[31];
    for (int i = 0; i < 31; ++i) bad[i] = 0.1;
    bad[7] = NAN;
    aceuq_error err;
    snprintf(path, sizeof path, "%s/nan.npy", scratch);
    CHECK(aceuq_npy_write_file(path, bad, 1, 31, &err) == ACEUQ_OK);
    snprintf(args, sizeof args, "dH '%s' '%s' --k 16", xyz, path);
    snprintf(path2, sizeof path2, "aceuq: %s: reference row 0 column 7 is not finite", path);
    expect_failure(args, path2);
    remove(path);
    snprintf(path, sizeof path, "%s/trunc.npy", scratch);
    FILE *in = fopen(npy16, "rb"), *out = fopen(path, "wb");
    char b[4096];
    size_t n = fread(b, 1, sizeof b, in);
    fwrite(b, 1, n - 5, out);
    fclose(in);
    fclose(out);
    snprintf(args, sizeof args, "dH '%s' '%s' --k 16", xyz, path);
    snprintf(path2, sizeof path2, "aceuq: %s: truncated .npy file", path);
    expect_failure(args, path2);
    remove(path);
    snprintf(args, sizeof args, "dH '%s' '%s/missing.npy'", xyz, scratch);
    snprintf(path2, sizeof path2, "aceuq: %s/missing.npy: cannot open", scratch);
    expect_failure(args, path2);
    snprintf(args, sizeof args, "entropy '%s/missing.xyz'", scratch);
    expect_failure(args, "missing.xyz: cannot open");
  } else {
    fprintf(stderr, "unknown mode %s\n", mode);
    return 2;
  }
  return check_summary(mode);
}
