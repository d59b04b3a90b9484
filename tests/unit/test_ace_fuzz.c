/* Fuzz-style robustness of the ACE potential readers: thousands of random
 * byte mutations (flips, insertions, deletions, truncations) of the small
 * valid .yaml and .yace of ace_test_inputs.h must each give ACEUQ_OK or a
 * clean error with a located message, never a crash (run under ASan/UBSan
 * for out-of-bounds reads).  Deterministic seed. */
#include "ace_io.h"
#include "ace_spec.h"
#include "ace_test_inputs.h"
#include "check.h"

static unsigned long long rng_state = 0xACE5EEDULL;
static unsigned next_u32(void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (unsigned)(rng_state >> 32);
}

static const char interesting[] = "0123456789 \n\t-:,[]{}.eE#&*!|>'\"x";

static size_t mutate(const char *src, size_t n, char *dst, size_t cap)
{
  memcpy(dst, src, n);
  int edits = 1 + (int)(next_u32() % 4);
  for (int e = 0; e < edits; ++e) {
    size_t pos = n ? next_u32() % n : 0;
    char byte = next_u32() % 2 ? interesting[next_u32() % (sizeof interesting - 1)] : (char)next_u32();
    switch (next_u32() % 4) {
    case 0: if (n) dst[pos] = byte; break;
    case 1: if (n < cap) { memmove(dst + pos + 1, dst + pos, n - pos); dst[pos] = byte; ++n; } break;
    case 2: if (n) { memmove(dst + pos, dst + pos + 1, n - pos - 1); --n; } break;
    default: n = pos; break;
    }
  }
  return n;
}

static int run(aceuq_status (*read)(const char *, size_t, const char *, ace_model **, aceuq_error *),
               const char *name, const char *base, int iterations, int *clean)
{
  size_t len = strlen(base), cap = len + 64;
  char *buf = malloc(cap);
  int ok = 0;
  for (int it = 0; it < iterations; ++it) {
    size_t n = mutate(base, len, buf, cap);
    ace_model *m = (ace_model *)1;
    aceuq_error err;
    aceuq_error_clear(&err);
    aceuq_status st = read(buf, n, name, &m, &err);
    if (st == ACEUQ_OK) {
      ++ok;
      *clean &= m != NULL && m->nelements >= 1 && m->delta_spline_bins > 0;
      ace_model_free(m);
    } else {
      int good = err.code == st && m == NULL && strncmp(err.message, name, strlen(name)) == 0;
      if (!good) fprintf(stderr, "unclean error (status %d): %s\n", (int)st, err.message);
      *clean &= good;
    }
  }
  free(buf);
  return ok;
}

int main(void)
{
  int clean = 1;
  int ok_yaml = run(ace_model_read_yaml_buffer, "fuzz.yaml", ace_test_yaml, 3000, &clean);
  int ok_yace = run(ace_model_read_yace_buffer, "fuzz.yace", ace_test_yace, 3000, &clean);
  /* basis specifications (aceuq fit): large nmax / lmax mutants must be refused, not enumerated for hours */
  static const char spec[] = "elements: [Cu, Ni]\ncutoff: 5.0\nradial: {basis: ChebExpCos, lambda: 3.5}\n"
                             "inner_cutoff: {type: zbl, r_in: 1.0, delta_in: 0.5}\n"
                             "functions: {nmax: [4, 2, 1], lmax: [0, 1, 1], degree: [4, 6, 6]}\n";
  int ok_spec = run(ace_model_read_spec_buffer, "fuzz.spec.yaml", spec, 2000, &clean);
  CHECK(clean);
  CHECK(ok_yaml > 0 && ok_yace > 0 && ok_spec > 0);
  printf("fuzz: %d/3000 .yaml, %d/3000 .yace and %d/2000 specification mutants accepted, the rest rejected cleanly\n",
         ok_yaml, ok_yace, ok_spec);
  return check_summary("test_ace_fuzz");
}
