/* cmd_lammps_data.c -- `aceuq lammps-data in.xyz out.data [options]`: write one
 * frame of an extended XYZ file as a LAMMPS data file (atom_style atomic).
 *
 * LAMMPS wants a = (lx,0,0), b = (xy,ly,0), c = (xz,yz,lz).  With a_hat = a/|a|:
 *   lx = |a|, xy = b.a_hat, ly = |a_hat x b|, xz = c.a_hat,
 *   yz = (b.c - xy*xz)/ly, lz = sqrt(|c|^2 - xz^2 - yz^2).
 * Atoms keep their fractional coordinates, so the structure is rotated (and,
 * for a left-handed cell, mirrored) rigidly: distances, energies and
 * descriptors are unchanged; vectors (forces) are rotated.  Tilts are reduced
 * by lattice vectors into [-l/2, l/2] (same lattice), periodic fractional
 * coordinates wrapped into [0, 1).  Non-periodic directions get `f`
 * boundaries and a box enclosing the atoms with a margin. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TYPES 64

static void usage(void)
{
  fprintf(stderr,
          "usage: aceuq lammps-data in.xyz out.data [--frame N] [--elements El1,El2,...] [--cluster]\n"
          "  --frame N      frame index (0-based, default 0; negative counts from the end)\n"
          "  --elements     type order (default: order of first appearance)\n"
          "  --cluster      ignore the cell and periodicity (as QUESTS does for any\n"
          "                 structure that is not periodic in all three directions)\n");
}

static double dot3(const double *a, const double *b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

/* inverse of the 3x3 matrix m (rows = vectors); returns the determinant */
static double invert3(const double *m, double *inv)
{
  double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) +
               m[2] * (m[3] * m[7] - m[4] * m[6]);
  inv[0] = (m[4] * m[8] - m[5] * m[7]) / det;
  inv[1] = (m[2] * m[7] - m[1] * m[8]) / det;
  inv[2] = (m[1] * m[5] - m[2] * m[4]) / det;
  inv[3] = (m[5] * m[6] - m[3] * m[8]) / det;
  inv[4] = (m[0] * m[8] - m[2] * m[6]) / det;
  inv[5] = (m[2] * m[3] - m[0] * m[5]) / det;
  inv[6] = (m[3] * m[7] - m[4] * m[6]) / det;
  inv[7] = (m[1] * m[6] - m[0] * m[7]) / det;
  inv[8] = (m[0] * m[4] - m[1] * m[3]) / det;
  return det;
}

/* type index (1-based) of each atom; *ntypes and names filled */
static int assign_types(const aceuq_frame *f, const char *elements, int *type, char names[][16],
                        int *ntypes)
{
  *ntypes = 0;
  if (elements) {
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", elements);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
      if (*ntypes == MAX_TYPES || strlen(tok) >= 16) return -1;
      snprintf(names[(*ntypes)++], 16, "%s", tok);
    }
  }
  for (size_t i = 0; i < f->natoms; ++i) {
    int t = 0;
    while (t < *ntypes && strcmp(names[t], f->species[i])) ++t;
    if (t == *ntypes) {
      if (elements) {
        fprintf(stderr, "aceuq: element %s of atom %zu is not in --elements %s\n", f->species[i],
                i + 1, elements);
        return -1;
      }
      if (*ntypes == MAX_TYPES || strlen(f->species[i]) >= 16) return -1;
      snprintf(names[(*ntypes)++], 16, "%s", f->species[i]);
    }
    type[i] = t + 1;
  }
  return 0;
}

/* Lower-triangular LAMMPS cell from the frame's cell (rows). */
static void lammps_cell(const double *cell, double *lx, double *ly, double *lz, double *xy,
                        double *xz, double *yz)
{
  const double *a = cell, *b = cell + 3, *c = cell + 6;
  *lx = sqrt(dot3(a, a));
  double ah[3] = {a[0] / *lx, a[1] / *lx, a[2] / *lx};
  *xy = dot3(b, ah);
  double cr[3] = {ah[1] * b[2] - ah[2] * b[1], ah[2] * b[0] - ah[0] * b[2], ah[0] * b[1] - ah[1] * b[0]};
  *ly = sqrt(dot3(cr, cr));
  *xz = dot3(c, ah);
  *yz = (dot3(b, c) - *xy * *xz) / *ly;
  *lz = sqrt(fmax(dot3(c, c) - *xz * *xz - *yz * *yz, 0.0));
}

/* Atom positions (n x 3) and box of the LAMMPS data file. */
typedef struct lmp_box {
  double lo[3], hi[3], xy, xz, yz;
  int pbc[3];
} lmp_box;

/* Cluster: orthogonal, non-periodic box enclosing all atoms with a margin. */
static void cluster_box(const aceuq_frame *f, double *pos, lmp_box *box)
{
  const double margin = 10.0;
  memset(box, 0, sizeof *box);
  for (int d = 0; d < 3; ++d) {
    box->lo[d] = -margin;
    box->hi[d] = margin;
  }
  for (size_t i = 0; i < f->natoms; ++i)
    for (int d = 0; d < 3; ++d) {
      double x = f->positions[3 * i + d];
      pos[3 * i + d] = x;
      if (i == 0 || x - margin < box->lo[d]) box->lo[d] = x - margin;
      if (i == 0 || x + margin > box->hi[d]) box->hi[d] = x + margin;
    }
}

/* Periodic cell (possibly with non-periodic directions, which must then be
 * orthogonal to the others after the rotation).  Returns 0 or -1 with a
 * message on stderr. */
static int cell_box(const char *src, const aceuq_frame *f, double *pos, lmp_box *box)
{
  double lx, ly, lz, xy, xz, yz, inv[9];
  memset(box, 0, sizeof *box);
  for (int d = 0; d < 3; ++d) box->pbc[d] = f->pbc[d];
  if (fabs(invert3(f->cell, inv)) < 1e-12) {
    fprintf(stderr, "aceuq: %s: the cell (Lattice) is singular\n", src);
    return -1;
  }
  lammps_cell(f->cell, &lx, &ly, &lz, &xy, &xz, &yz);
  const double rot[9] = {lx, 0, 0, xy, ly, 0, xz, yz, lz}; /* rotated a, b, c (rows) */
  /* reduce the tilts with lattice vectors of periodic directions (same lattice) */
  if (box->pbc[1] && box->pbc[2]) {
    double m = round(yz / ly);
    yz -= m * ly;
    xz -= m * xy;
  }
  if (box->pbc[0] && box->pbc[2]) xz -= round(xz / lx) * lx;
  if (box->pbc[0] && box->pbc[1]) xy -= round(xy / lx) * lx;
  const double tilt_of[3][2] = {{xy, xz}, {xy, yz}, {xz, yz}};
  for (int d = 0; d < 3; ++d)
    if (!box->pbc[d] && (fabs(tilt_of[d][0]) > 1e-12 || fabs(tilt_of[d][1]) > 1e-12)) {
      fprintf(stderr,
              "aceuq: %s: non-periodic direction %c is not orthogonal to the others; "
              "use --cluster or a cell whose non-periodic vector is orthogonal\n",
              src, "abc"[d]);
      return -1;
    }
  const double red[9] = {lx, 0, 0, xy, ly, 0, xz, yz, lz};
  double redinv[9];
  invert3(red, redinv);
  const double len[3] = {lx, ly, lz};
  double amin[3] = {0, 0, 0}, amax[3] = {0, 0, 0};
  for (size_t i = 0; i < f->natoms; ++i) {
    const double *r = f->positions + 3 * i;
    double s[3], x[3], t[3];
    for (int d = 0; d < 3; ++d) s[d] = r[0] * inv[d] + r[1] * inv[3 + d] + r[2] * inv[6 + d];
    for (int d = 0; d < 3; ++d) x[d] = s[0] * rot[d] + s[1] * rot[3 + d] + s[2] * rot[6 + d];
    for (int d = 0; d < 3; ++d) t[d] = x[0] * redinv[d] + x[1] * redinv[3 + d] + x[2] * redinv[6 + d];
    for (int d = 0; d < 3; ++d)
      if (box->pbc[d]) {
        t[d] -= floor(t[d]);
        if (t[d] >= 1.0) t[d] = 0.0;
      }
    for (int d = 0; d < 3; ++d)
      pos[3 * i + d] = t[0] * red[d] + t[1] * red[3 + d] + t[2] * red[6 + d];
    for (int d = 0; d < 3; ++d) {
      if (i == 0 || pos[3 * i + d] < amin[d]) amin[d] = pos[3 * i + d];
      if (i == 0 || pos[3 * i + d] > amax[d]) amax[d] = pos[3 * i + d];
    }
  }
  for (int d = 0; d < 3; ++d) {
    box->lo[d] = box->pbc[d] ? 0.0 : fmin(0.0, amin[d] - 10.0);
    box->hi[d] = box->pbc[d] ? len[d] : fmax(len[d], amax[d] + 10.0);
  }
  box->xy = xy;
  box->xz = xz;
  box->yz = yz;
  return 0;
}

static void print_data(FILE *out, const char *src, const aceuq_frame *f, const double *pos,
                       const lmp_box *box, const int *type, char names[][16], int ntypes)
{
  fprintf(out, "LAMMPS data file written by aceuq lammps-data from %s; boundary %c %c %c; types:",
          src, box->pbc[0] ? 'p' : 'f', box->pbc[1] ? 'p' : 'f', box->pbc[2] ? 'p' : 'f');
  for (int t = 0; t < ntypes; ++t) fprintf(out, " %d=%s", t + 1, names[t]);
  fprintf(out, "\n\n%zu atoms\n%d atom types\n\n", f->natoms, ntypes);
  const char *ax[3] = {"xlo xhi", "ylo yhi", "zlo zhi"};
  for (int d = 0; d < 3; ++d) fprintf(out, "%.17g %.17g %s\n", box->lo[d], box->hi[d], ax[d]);
  if (box->xy != 0.0 || box->xz != 0.0 || box->yz != 0.0)
    fprintf(out, "%.17g %.17g %.17g xy xz yz\n", box->xy, box->xz, box->yz);
  fprintf(out, "\nAtoms # atomic\n\n");
  for (size_t i = 0; i < f->natoms; ++i)
    fprintf(out, "%zu %d %.17g %.17g %.17g\n", i + 1, type[i], pos[3 * i], pos[3 * i + 1],
            pos[3 * i + 2]);
}

int cli_lammps_data_write(const char *src, const aceuq_frame *f, const char *elements, int cluster, FILE *out)
{
  int rc = 1, ntypes = 0;
  char names[MAX_TYPES][16];
  int *type = malloc(sizeof(int) * (f->natoms ? f->natoms : 1));
  double *pos = malloc(sizeof(double) * 3 * (f->natoms ? f->natoms : 1));
  lmp_box box;
  if (!type || !pos) {
    fprintf(stderr, "aceuq: out of memory\n");
  } else if (assign_types(f, elements, type, names, &ntypes) != 0) {
    fprintf(stderr, "aceuq: %s: cannot map elements to types (at most %d types)\n", src, MAX_TYPES);
  } else if (cluster || !f->has_cell) {
    cluster_box(f, pos, &box);
    rc = 0;
  } else {
    rc = cell_box(src, f, pos, &box) == 0 ? 0 : 1;
  }
  if (rc == 0) print_data(out, src, f, pos, &box, type, names, ntypes);
  free(type);
  free(pos);
  return rc;
}

int cli_cmd_lammps_data(int argc, char **argv)
{
  const char *in = NULL, *outname = NULL, *elements = NULL;
  long frame_index = 0;
  int cluster = 0;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--frame") && i + 1 < argc) frame_index = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--elements") && i + 1 < argc) elements = argv[++i];
    else if (!strcmp(argv[i], "--cluster")) cluster = 1;
    else if (argv[i][0] == '-' && argv[i][1] == '-') { usage(); return 2; }
    else if (!in) in = argv[i];
    else if (!outname) outname = argv[i];
    else { usage(); return 2; }
  }
  if (!in || !outname) { usage(); return 2; }

  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_frame *frames = NULL;
  size_t nframes = 0;
  if (aceuq_extxyz_read_file(in, &frames, &nframes, &err) != ACEUQ_OK) return cli_report(in, &err);
  if (frame_index < 0) frame_index += (long)nframes;
  if (frame_index < 0 || (size_t)frame_index >= nframes) {
    fprintf(stderr, "aceuq: %s: frame %ld does not exist (%zu frames)\n", in, frame_index, nframes);
    aceuq_frames_free(frames, nframes);
    return 1;
  }
  int rc = 1;
  FILE *out = fopen(outname, "w");
  if (!out) {
    fprintf(stderr, "aceuq: %s: cannot open for writing\n", outname);
  } else {
    rc = cli_lammps_data_write(in, &frames[frame_index], elements, cluster, out);
    if (fclose(out) != 0 && rc == 0) {
      fprintf(stderr, "aceuq: %s: write failed\n", outname);
      rc = 1;
    }
    if (rc) remove(outname);
  }
  aceuq_frames_free(frames, nframes);
  return rc;
}
