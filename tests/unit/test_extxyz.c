/* Unit tests: extended XYZ reader -- column layouts, defaults, multi-frame,
 * the reference files of the project, and malformed input with file:line. */
#define _POSIX_C_SOURCE 200809L /* mkstemp, fdopen, popen */
#include "aceuq.h"
#include "check.h"

#include <stdlib.h>
#include <unistd.h>

static char tmp_path[64];

/* write text to a temporary file and read it back as frames */
static aceuq_status read_text(const char *text, aceuq_frame **frames, size_t *n, aceuq_error *err)
{
  strcpy(tmp_path, "/tmp/aceuq_test_xyz_XXXXXX");
  int fd = mkstemp(tmp_path);
  if (fd < 0) return ACEUQ_ERR_IO;
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  aceuq_status st = aceuq_extxyz_read_file(tmp_path, frames, n, err);
  remove(tmp_path);
  return st;
}

static void expect_error(const char *text, aceuq_status code, int line, const char *needle)
{
  aceuq_frame *frames = (aceuq_frame *)1;
  size_t n = 99;
  aceuq_error err;
  aceuq_error_clear(&err);
  CHECK(read_text(text, &frames, &n, &err) == code);
  CHECK(frames == NULL && n == 0);
  char where[96];
  snprintf(where, sizeof where, "%s:%d: ", tmp_path, line);
  if (line > 0) CHECK_STR_CONTAINS(err.message, where);
  CHECK_STR_CONTAINS(err.message, needle);
}

int main(void)
{
  aceuq_frame *fr;
  size_t n;
  aceuq_error err;
  aceuq_error_clear(&err);

  /* extra columns of all types and counts before/between/after, quoted values
   * with spaces, CRLF, two frames, trailing blank lines */
  const char *two =
      "2\r\n"
      "comment=\"a b = c\" Properties=tags:I:1:species:S:1:flag:L:1:pos:R:3:forces:R:3:name:S:2 "
      "Lattice=\"4 0 0 0 5 0 0 0 6\" pbc=\"T F T\" energy=-1.5 isolated\r\n"
      "7 Cu T 0.5 1.5 2.5 0.1 0.2 0.3 x y\r\n"
      "8 Al F -1e-3 2 3E1 0 0 0 p q\r\n"
      "1\n"
      "Properties=species:S:1:pos:R:3\n"
      "H 1 2 3\n"
      "\n\n";
  CHECK(read_text(two, &fr, &n, &err) == ACEUQ_OK);
  CHECK(n == 2);
  if (n == 2) {
    CHECK(fr[0].natoms == 2 && fr[0].has_cell && fr[0].pbc[0] == 1 && fr[0].pbc[1] == 0 && fr[0].pbc[2] == 1);
    CHECK(strcmp(fr[0].species[0], "Cu") == 0 && strcmp(fr[0].species[1], "Al") == 0);
    CHECK(fr[0].positions[0] == 0.5 && fr[0].positions[2] == 2.5 && fr[0].positions[3] == -1e-3 &&
          fr[0].positions[5] == 30.0);
    CHECK(fr[0].cell[0] == 4 && fr[0].cell[4] == 5 && fr[0].cell[8] == 6 && fr[0].cell[1] == 0);
    CHECK(fr[0].line == 1 && fr[1].line == 5);
    CHECK(fr[1].natoms == 1 && !fr[1].has_cell && !fr[1].pbc[0] && !fr[1].pbc[1] && !fr[1].pbc[2]);
    CHECK(strcmp(fr[1].species[0], "H") == 0 && fr[1].positions[2] == 3.0);
  }
  aceuq_frames_free(fr, n);

  /* defaults: no Properties -> species pos; Lattice without pbc -> T T T */
  const char *deflt = "1\nLattice=\"1 0 0 0 1 0 0 0 1\"\nNi 0 0 0\n";
  CHECK(aceuq_extxyz_read_buffer(deflt, strlen(deflt), "b.xyz", &fr, &n, &err) == ACEUQ_OK);
  CHECK(n == 1 && fr[0].pbc[0] && fr[0].pbc[1] && fr[0].pbc[2] && strcmp(fr[0].species[0], "Ni") == 0);
  aceuq_frames_free(fr, n);

  /* every reference structure of the project parses */
  const char *dirs[] = {ACEUQ_SHARED_DIR "/reference/quests/data", ACEUQ_SHARED_DIR "/reference/ace/configs"};
  const char *files[] = {"cu_fcc_perfect.xyz", "cu_fcc_prim1.xyz", "cu_ico55.xyz", "cu_slab111_pbcTTF.xyz",
                         "ref2_perfect+rattle005.xyz", "AlNi_triclinic27.xyz", "CuI_dimer.xyz",
                         "AlNi_slab100.xyz", "CuI_fcc333_vacancy.xyz"};
  size_t expect_atoms[] = {256, 1, 55, 96, 256, 27, 2, 108, 107};
  FILE *probe = fopen(ACEUQ_SHARED_DIR "/reference/quests/data/cu_ico55.xyz", "r");
  if (probe) {
    fclose(probe);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; ++i) {
      char path[1024];
      snprintf(path, sizeof path, "%s/%s", dirs[i < 5 ? 0 : 1], files[i]);
      aceuq_error_clear(&err);
      CHECK(aceuq_extxyz_read_file(path, &fr, &n, &err) == ACEUQ_OK);
      if (err.code) fprintf(stderr, "%s\n", err.message);
      CHECK(n >= 1 && fr[0].natoms == expect_atoms[i]);
      if (i == 4) CHECK(n == 2);
      if (i == 3) CHECK(fr[0].pbc[0] && fr[0].pbc[1] && !fr[0].pbc[2] && fr[0].has_cell);
      if (i == 2) CHECK(!fr[0].has_cell && !fr[0].pbc[0]);
      aceuq_frames_free(fr, n);
    }
  } else {
    printf("note: shared reference data not found, reference files not parsed\n");
  }

  /* labels: energy, virial (wins over stress), forces column; stress alone -> -stress * V; config_type */
  const char *labelled =
      "2\n"
      "Lattice=\"2 0 0 0 3 0 0 0 4\" Properties=species:S:1:pos:R:3:forces:R:3 energy=-7.25 "
      "virial=\"1 2 3 2 5 6 3 6 9\" stress=\"9 9 9 9 9 9 9 9 9\" config_type=slab111 pbc=\"T T F\"\n"
      "Cu 0 0 0 0.5 -0.25 1e-3\n"
      "Ni 1 1 1 -0.5 0.25 -1e-3\n"
      "1\n"
      "Lattice=\"2 0 0 0 3 0 0 0 4\" stress=\"0.5 0 0 0 -1 0 0 0 0.25\"\n"
      "Cu 0 0 0\n";
  CHECK(read_text(labelled, &fr, &n, &err) == ACEUQ_OK);
  if (n == 2) {
    CHECK(fr[0].has_energy && fr[0].energy == -7.25 && fr[0].has_virial && fr[0].virial[4] == 5 &&
          fr[0].virial[7] == 6 && fr[0].forces && fr[0].forces[1] == -0.25 && fr[0].forces[5] == -1e-3 &&
          !strcmp(fr[0].config_type, "slab111"));
    CHECK(!fr[1].has_energy && fr[1].has_virial && fr[1].virial[0] == -12.0 && fr[1].virial[4] == 24.0 &&
          fr[1].virial[8] == -6.0 && fr[1].forces == NULL && fr[1].config_type[0] == '\0');
  }
  aceuq_frames_free(fr, n);

  /* malformed */
  expect_error("1\nenergy=abc\nH 0 0 0\n", ACEUQ_ERR_FORMAT, 2, "energy 'abc' is not a finite number");
  expect_error("1\nvirial=\"1 2 3\"\nH 0 0 0\n", ACEUQ_ERR_FORMAT, 2, "virial needs 9 numbers");
  expect_error("1\nstress=\"1 0 0 0 1 0 0 0 x\"\nH 0 0 0\n", ACEUQ_ERR_FORMAT, 2, "stress entry 9 'x'");
  expect_error("1\nstress=\"1 0 0 0 1 0 0 0 1\"\nH 0 0 0\n", ACEUQ_ERR_FORMAT, 2, "stress given without a Lattice");
  expect_error("1\nProperties=species:S:1:pos:R:3:forces:R:2\nH 0 0 0 1 1\n", ACEUQ_ERR_FORMAT, 2,
               "forces must be R:3");
  expect_error("1\nProperties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 1 nan 1\n", ACEUQ_ERR_FORMAT, 3,
               "force 'nan' is not a finite number");
  expect_error("1\nconfig_type=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nH 0 0 0\n",
               ACEUQ_ERR_FORMAT, 2, "longer than 63 characters");
  expect_error("", ACEUQ_ERR_FORMAT, -1, "no frames");
  expect_error("x\n\nH 0 0 0\n", ACEUQ_ERR_FORMAT, 1, "expected the number of atoms, got 'x'");
  expect_error("2\n\nH 0 0 0\n", ACEUQ_ERR_IO, 3, "truncated file: frame declares 2 atoms, only 1 present");
  expect_error("2\n", ACEUQ_ERR_IO, 1, "comment line of the frame is missing");
  expect_error("1\n\nH 0 0\n", ACEUQ_ERR_FORMAT, 3, "expected 4 columns, got 3");
  expect_error("1\n\nH 0 0 0 9\n", ACEUQ_ERR_FORMAT, 3, "expected 4 columns, got more than 4");
  expect_error("1\n\nH 0 abc 0\n", ACEUQ_ERR_FORMAT, 3, "position 'abc' is not a number");
  expect_error("1\n\nH 0 1.5x 0\n", ACEUQ_ERR_FORMAT, 3, "position '1.5x' is not a number");
  expect_error("1\n\nH 0 nan 0\n", ACEUQ_ERR_VALUE, 3, "position 'nan' is not finite");
  expect_error("1\n\nH 0 1e999 0\n", ACEUQ_ERR_FORMAT, 3, "position '1e999' is not a number");
  expect_error("1\nProperties=species:S:1:forces:R:3\nH 0 0 0\n", ACEUQ_ERR_FORMAT, 2, "no pos:R:3 column");
  expect_error("1\nProperties=species:S:1:pos:R:2\nH 0 0\n", ACEUQ_ERR_FORMAT, 2, "pos must be R:3");
  expect_error("1\nProperties=species:S:1:pos:X:3\nH 0 0 0\n", ACEUQ_ERR_FORMAT, 2, "malformed Properties");
  expect_error("1\nProperties=species:S:1:pos:R\nH 0 0 0\n", ACEUQ_ERR_FORMAT, 2, "malformed Properties");
  expect_error("1\nLattice=\"1 0 0 0 1 0 0 0\"\nH 0 0 0\n", ACEUQ_ERR_FORMAT, 2, "Lattice needs 9 numbers");
  expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 q\"\nH 0 0 0\n", ACEUQ_ERR_FORMAT, 2, "Lattice entry 9 'q'");
  expect_error("1\nLattice=\"1 0 0 0 1 0 0 0 1\n", ACEUQ_ERR_FORMAT, 2, "unterminated quoted value");
  expect_error("1\npbc=\"T T X\" Lattice=\"1 0 0 0 1 0 0 0 1\"\nH 0 0 0\n", ACEUQ_ERR_FORMAT, 2,
               "pbc flag 'X' is not T or F");
  expect_error("1\npbc=\"T T T\"\nH 0 0 0\n", ACEUQ_ERR_FORMAT, 2, "no Lattice");
  expect_error("1\n\nH 0 0 0\n\n1\n\nH 0 0 0\n", ACEUQ_ERR_FORMAT, 5, "blank line between frames");
  expect_error("1\n\nH 0 0 0\n1\n", ACEUQ_ERR_IO, 4, "comment line of the frame is missing");
  return check_summary("test_extxyz");
}
