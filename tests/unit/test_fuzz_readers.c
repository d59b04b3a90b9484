/* Fuzz-style robustness test: thousands of random byte mutations (flips,
 * insertions, deletions, truncations) of a valid .npy image and a valid
 * extended XYZ text must each give ACEUQ_OK or a clean error with a message,
 * never a crash or a read past the buffer (run under ASan/valgrind for the
 * latter).  Deterministic seed. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, popen */
#include "aceuq.h"
#include "check.h"

#include <stdlib.h>

static unsigned long long rng_state = 0xC0FFEE1234567ULL;
static unsigned next_u32(void)
{
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (unsigned)(rng_state >> 32);
}

static const char interesting[] = "0123456789 \n\t'\"{}():,=-.eE+TFx\x93";

/* apply 1..4 random edits to src (len n) into dst; returns the new length */
static size_t mutate(const unsigned char *src, size_t n, unsigned char *dst, size_t cap)
{
  memcpy(dst, src, n);
  int edits = 1 + (int)(next_u32() % 4);
  for (int e = 0; e < edits; ++e) {
    size_t pos = n ? next_u32() % n : 0;
    unsigned char byte = next_u32() % 2 ? (unsigned char)interesting[next_u32() % (sizeof interesting - 1)]
                                        : (unsigned char)next_u32();
    switch (next_u32() % 4) {
    case 0: if (n) dst[pos] = byte; break;
    case 1: if (n < cap) { memmove(dst + pos + 1, dst + pos, n - pos); dst[pos] = byte; ++n; } break;
    case 2: if (n) { memmove(dst + pos, dst + pos + 1, n - pos - 1); --n; } break;
    default: n = pos; break;
    }
  }
  return n;
}

int main(void)
{
  /* a valid .npy of shape (3, 4) */
  char path[] = "/tmp/aceuq_fuzz_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fclose(f);
  double v[12];
  for (int i = 0; i < 12; ++i) v[i] = i * 0.25;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(aceuq_npy_write_file(path, v, 3, 4, &err) == ACEUQ_OK);
  unsigned char npy[512];
  f = fopen(path, "rb");
  size_t npy_len = fread(npy, 1, sizeof npy, f);
  fclose(f);
  remove(path);
  const char *xyz = "3\nLattice=\"5 0 0 0 5 0 0 0 5\" Properties=species:S:1:pos:R:3:q:R:1:id:I:1 pbc=\"T T F\"\n"
                    "Cu 0 0 0 0.5 1\nCu 1.8 1.8 0 -0.5 2\nAl 0 1.8 1.8 0 3\n2\n\nH 0 0 0\nH 0 0 0.74\n";
  size_t xyz_len = strlen(xyz);

  unsigned char buf[1024];
  int ok_npy = 0, ok_xyz = 0, clean = 1;
  for (int it = 0; it < 4000; ++it) {
    size_t n = mutate(npy, npy_len, buf, sizeof buf);
    aceuq_array2d a;
    aceuq_error_clear(&err);
    aceuq_status st = aceuq_npy_read_buffer(buf, n, "fuzz.npy", &a, &err);
    if (st == ACEUQ_OK) {
      ++ok_npy;
      clean &= a.data != NULL && a.rows * a.cols * 8 <= n;
      aceuq_array2d_release(&a);
    } else {
      clean &= err.code == st && strncmp(err.message, "fuzz.npy: ", 10) == 0 && a.data == NULL;
    }

    n = mutate((const unsigned char *)xyz, xyz_len, buf, sizeof buf);
    aceuq_frame *frames;
    size_t nframes;
    aceuq_error_clear(&err);
    st = aceuq_extxyz_read_buffer((const char *)buf, n, "fuzz.xyz", &frames, &nframes, &err);
    if (st == ACEUQ_OK) {
      ++ok_xyz;
      for (size_t t = 0; t < nframes; ++t)
        for (size_t i = 0; i < 3 * frames[t].natoms; ++i) clean &= isfinite(frames[t].positions[i]);
      aceuq_frames_free(frames, nframes);
    } else {
      clean &= err.code == st && strncmp(err.message, "fuzz.xyz", 8) == 0 && frames == NULL && nframes == 0;
    }
  }
  CHECK(clean);
  /* the mutations are mild enough that some inputs stay valid */
  CHECK(ok_npy > 0 && ok_xyz > 0);
  printf("fuzz: %d/4000 .npy and %d/4000 .xyz mutants accepted, the rest rejected cleanly\n", ok_npy, ok_xyz);
  return check_summary("test_fuzz_readers");
}
