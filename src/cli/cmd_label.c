/* cmd_label.c -- `aceuq label FRAMES.xyz... -o OUT.xyz --pair-style "STYLE ARGS"
 * --pair-coeff "ARGS" [--pair-coeff ...] [--elements El1,El2,...]
 * [--command "LAMMPS COMMAND"]... [--lmp PATH] [--keep DIR]`: label frames
 * with any LAMMPS potential (the oracle), in one LAMMPS process.
 *
 * Every frame becomes a LAMMPS data file (cli_lammps_data_write: types in the
 * order of --elements, which the pair_coeff lines must follow), and one
 * generated input runs `run 0` on each of them (clear, units metal,
 * atom_style atomic, boundary from the frame, the --command lines, e.g.
 * `plugin load aceuqplugin.so`, pair_style, pair_coeff, all masses 1).  The
 * thermo line gives the energy, the volume, the virial part of the pressure
 * tensor and the cell; a sorted dump the positions and forces.
 *
 * Output: extended XYZ, one frame per input frame, atoms in input order, in
 * the LAMMPS form of the cell (a along x, b in the xy plane: the structure is
 * rotated rigidly if the input cell was not, positions wrapped into the cell):
 *   Lattice="lx 0 0 xy ly 0 xz yz lz" Properties=species:S:1:pos:R:3:forces:R:3
 *   energy=E (eV) virial="9 values" (W_ab = sum_i r_ia f_ib, eV, row-major)
 *   stress="9 values" (-W/V, eV/A^3, ASE's sign) pbc="T T F" config_type=...
 * Frames without a cell are labelled as clusters; their Lattice is the
 * enclosing LAMMPS box with pbc="F F F".  The output is written only when
 * every frame was labelled.  LAMMPS runs serially (`--lmp`, default the
 * `lmp` next to this executable, as build/lmp, else lmp on PATH). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_OPTS 32
#define NKTV2P_METAL 1.6021765e6 /* bar * A^3 per eV (LAMMPS metal units) */

typedef struct label_opts {
  const char *out, *pair_style, *elements, *lmp, *keep;
  const char *pair_coeff[MAX_OPTS], *command[MAX_OPTS];
  int ncoeff, ncommand;
  const char *files[256];
  int nfiles;
} label_opts;

/* per frame: what LAMMPS reported */
typedef struct label_result {
  double energy, volume, pvir[6], lx, ly, lz, xy, xz, yz;
} label_result;

static void usage(void)
{
  fprintf(stderr,
          "usage: aceuq label FRAMES.xyz [...] -o OUT.xyz --pair-style \"STYLE ARGS\" --pair-coeff \"ARGS\"\n"
          "                   [--pair-coeff ...] [--elements El1,El2,...] [--command \"LAMMPS COMMAND\"]...\n"
          "                   [--lmp PATH] [--keep DIR]\n"
          "  --elements  type order of the pair_coeff lines (required for more than one element)\n"
          "  --command   an input line before pair_style, e.g. \"plugin load aceuqplugin.so\"\n"
          "  --lmp       LAMMPS executable (default: lmp next to aceuq, else lmp on PATH)\n"
          "  --keep DIR  keep the generated LAMMPS input, data files, dumps and log in DIR\n");
}

static int parse_args(int argc, char **argv, label_opts *o)
{
  memset(o, 0, sizeof *o);
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    int has = i + 1 < argc;
    if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && has) o->out = argv[++i];
    else if (!strcmp(a, "--pair-style") && has) o->pair_style = argv[++i];
    else if (!strcmp(a, "--pair-coeff") && has && o->ncoeff < MAX_OPTS) o->pair_coeff[o->ncoeff++] = argv[++i];
    else if (!strcmp(a, "--command") && has && o->ncommand < MAX_OPTS) o->command[o->ncommand++] = argv[++i];
    else if (!strcmp(a, "--elements") && has) o->elements = argv[++i];
    else if (!strcmp(a, "--lmp") && has) o->lmp = argv[++i];
    else if (!strcmp(a, "--keep") && has) o->keep = argv[++i];
    else if (a[0] == '-') {
      fprintf(stderr, "aceuq label: unknown option or missing value: %s\n", a);
      return 2;
    } else if (o->nfiles < 256) o->files[o->nfiles++] = a;
    else {
      fprintf(stderr, "aceuq label: at most 256 input files\n");
      return 2;
    }
  }
  if (!o->out || !o->pair_style || !o->ncoeff || !o->nfiles) {
    fprintf(stderr, "aceuq label: needs input files, -o, --pair-style and --pair-coeff\n");
    return 2;
  }
  return 0;
}

/* dir/name into out (PATH_SIZE bytes); names are short, dir is checked by the caller */
#define PATH_SIZE 4200
static char *in_dir(char *out, const char *dir, const char *name)
{
  size_t d = strlen(dir), n = strlen(name);
  if (d + 1 + n >= PATH_SIZE) d = PATH_SIZE - 2 - n; /* cannot happen for dir < 4096 */
  memcpy(out, dir, d);
  out[d] = '/';
  memcpy(out + d + 1, name, n + 1);
  return out;
}

/* frameNNNNNN.<ext> */
static char *frame_file(char *out, const char *dir, size_t idx, const char *ext)
{
  char name[48];
  snprintf(name, sizeof name, "frame%06zu.%s", idx, ext);
  return in_dir(out, dir, name);
}

/* "Cu,Ni" -> 1-based type of symbol, 0 if absent */
static int type_of(const char *elements, const char *symbol)
{
  int t = 1;
  for (const char *s = elements; *s; ++t) {
    size_t len = strcspn(s, ",");
    if (len == strlen(symbol) && !strncmp(s, symbol, len)) return t;
    s += len;
    if (*s == ',') ++s;
  }
  return 0;
}

static const char *element_at(const char *elements, int type, char *buf, size_t size)
{
  const char *s = elements;
  for (int t = 1; t < type && *s; ++t) {
    s += strcspn(s, ",");
    if (*s == ',') ++s;
  }
  size_t len = strcspn(s, ",");
  snprintf(buf, size, "%.*s", (int)(len < size ? len : size - 1), s);
  return buf;
}

/* the LAMMPS next to this executable (build/lmp), else "lmp" */
static const char *default_lmp(char *buf, size_t size)
{
  ssize_t n = readlink("/proc/self/exe", buf, size - 5);
  if (n > 0) {
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash) {
      strcpy(slash + 1, "lmp");
      if (access(buf, X_OK) == 0) return buf;
    }
  }
  return "lmp";
}

/* one element list for all frames: --elements, or the single element present */
static int frame_elements(const label_opts *o, aceuq_frame **frames, const size_t *nframes, char *out, size_t size)
{
  if (o->elements) {
    snprintf(out, size, "%s", o->elements);
  } else {
    out[0] = '\0';
    for (int k = 0; k < o->nfiles; ++k)
      for (size_t f = 0; f < nframes[k]; ++f)
        for (size_t i = 0; i < frames[k][f].natoms; ++i) {
          const char *el = frames[k][f].species[i];
          if (!out[0]) snprintf(out, size, "%s", el);
          else if (strcmp(out, el)) {
            fprintf(stderr, "aceuq label: the frames hold %s and %s: give --elements in the order of the "
                            "pair_coeff line (e.g. --elements %s,%s)\n", out, el, out, el);
            return 1;
          }
        }
    if (!out[0]) {
      fprintf(stderr, "aceuq label: the frames hold no atoms\n");
      return 1;
    }
  }
  for (int k = 0; k < o->nfiles; ++k)
    for (size_t f = 0; f < nframes[k]; ++f)
      for (size_t i = 0; i < frames[k][f].natoms; ++i)
        if (!type_of(out, frames[k][f].species[i])) {
          fprintf(stderr, "aceuq label: %s frame %zu atom %zu: element %s is not in --elements %s\n", o->files[k],
                  f, i + 1, frames[k][f].species[i], out);
          return 1;
        }
  return 0;
}

/* data files and the LAMMPS input for all frames */
static int write_inputs(const label_opts *o, const char *dir, aceuq_frame **frames, const size_t *nframes,
                        const char *elements)
{
  char path[PATH_SIZE];
  FILE *in = fopen(in_dir(path, dir, "in.label"), "w");
  if (!in) {
    fprintf(stderr, "aceuq label: %s: cannot write (%s)\n", path, strerror(errno));
    return 1;
  }
  size_t idx = 0;
  int rc = 0;
  for (int k = 0; k < o->nfiles && !rc; ++k)
    for (size_t f = 0; f < nframes[k] && !rc; ++f, ++idx) {
      const aceuq_frame *fr = &frames[k][f];
      FILE *data = fopen(frame_file(path, dir, idx, "data"), "w");
      if (!data) {
        fprintf(stderr, "aceuq label: %s: cannot write (%s)\n", path, strerror(errno));
        rc = 1;
        break;
      }
      char src[4200];
      snprintf(src, sizeof src, "%s frame %zu", o->files[k], f);
      rc = cli_lammps_data_write(src, fr, elements, 0, data);
      if (fclose(data) != 0) rc = 1;
      if (rc) break;
      int periodic = fr->has_cell;
      fprintf(in, "clear\nunits metal\natom_style atomic\natom_modify map array\nboundary %c %c %c\n",
              periodic && fr->pbc[0] ? 'p' : 'f', periodic && fr->pbc[1] ? 'p' : 'f',
              periodic && fr->pbc[2] ? 'p' : 'f');
      fprintf(in, "read_data frame%06zu.data\nmass * 1.0\n", idx);
      for (int c = 0; c < o->ncommand; ++c) fprintf(in, "%s\n", o->command[c]);
      fprintf(in, "pair_style %s\n", o->pair_style);
      for (int c = 0; c < o->ncoeff; ++c) fprintf(in, "pair_coeff %s\n", o->pair_coeff[c]);
      fprintf(in, "compute aceuq_vir all pressure NULL virial\n"
                  "thermo_style custom step pe vol c_aceuq_vir[1] c_aceuq_vir[2] c_aceuq_vir[3] c_aceuq_vir[4] "
                  "c_aceuq_vir[5] c_aceuq_vir[6] lx ly lz xy xz yz\n"
                  "thermo_modify format float %%.17g\n"
                  "dump aceuq_d all custom 1 frame%06zu.dump id type x y z fx fy fz\n"
                  "dump_modify aceuq_d format float %%.17g sort id\nrun 0\n", idx);
    }
  if (fclose(in) != 0) rc = 1;
  return rc;
}

/* run LAMMPS in dir, its screen output into dir/label.screen (where errors of a single rank --
 * error->one, e.g. a missing potential file -- end up: the log does not get them); 0 on success */
static int run_lammps(const char *lmp, const char *dir)
{
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "aceuq label: cannot start LAMMPS (%s)\n", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    if (chdir(dir) != 0) _exit(126);
    int fd = open("label.screen", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0) _exit(126);
    close(fd);
    /* unbuffered screen output (coreutils' stdbuf): LAMMPS 29Sep2021 aborts on a one-rank error
     * (e.g. a missing potential file) without flushing its buffers, and the message would be lost */
    execlp("stdbuf", "stdbuf", "-o0", "-e0", lmp, "-nocite", "-in", "in.label", "-log", "label.log", (char *)NULL);
    execlp(lmp, lmp, "-nocite", "-in", "in.label", "-log", "label.log", (char *)NULL);
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return 1;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    fprintf(stderr, "aceuq label: cannot run LAMMPS '%s' (give --lmp PATH)\n", lmp);
    return 1;
  }
  return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* the first line of dir/name that contains "ERROR" into error ("" if none) */
static void first_error_line(const char *dir, const char *name, char *error, size_t esize)
{
  char path[PATH_SIZE], line[8192];
  FILE *f = fopen(in_dir(path, dir, name), "r");
  error[0] = '\0';
  if (!f) return;
  while (fgets(line, sizeof line, f))
    if (strstr(line, "ERROR")) {
      size_t len = strcspn(line, "\n");
      if (len >= esize) len = esize - 1;
      memcpy(error, line, len);
      error[len] = '\0';
      break;
    }
  fclose(f);
}

/* The thermo rows of the log (one per run) and the first ERROR line (log, then screen output). */
static int read_log(const char *dir, label_result *res, size_t nframes, char *error, size_t esize)
{
  char path[PATH_SIZE], line[8192];
  first_error_line(dir, "label.log", error, esize);
  if (!error[0]) first_error_line(dir, "label.screen", error, esize);
  FILE *log = fopen(in_dir(path, dir, "label.log"), "r");
  if (!log) return -1;
  size_t got = 0;
  int header = 0;
  while (fgets(line, sizeof line, log)) {
    char first[32];
    if (sscanf(line, " %31s", first) == 1 && !strcmp(first, "Step") && strstr(line, "c_aceuq_vir[1]")) {
      header = 1;
      continue;
    }
    /* the row follows its header; warnings may come in between */
    if (header && got < nframes) {
      label_result *r = &res[got];
      long step;
      if (sscanf(line, "%ld %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf %lf", &step, &r->energy,
                 &r->volume, &r->pvir[0], &r->pvir[1], &r->pvir[2], &r->pvir[3], &r->pvir[4], &r->pvir[5], &r->lx,
                 &r->ly, &r->lz, &r->xy, &r->xz, &r->yz) == 15) {
        ++got;
        header = 0;
      }
    }
  }
  fclose(log);
  return (int)(got == nframes ? 0 : -1);
}

/* positions, forces of frame idx from its dump, in id order */
static int read_dump(const char *dir, size_t idx, size_t natoms, int *type, double *pos, double *force)
{
  char path[PATH_SIZE], line[1024];
  FILE *d = fopen(frame_file(path, dir, idx, "dump"), "r");
  if (!d) return -1;
  size_t got = 0;
  int in_atoms = 0;
  while (fgets(line, sizeof line, d)) {
    if (!strncmp(line, "ITEM: ATOMS", 11)) {
      in_atoms = 1;
      continue;
    }
    if (!in_atoms || got >= natoms) continue;
    long id;
    double *p = pos + 3 * got, *f = force + 3 * got;
    if (sscanf(line, "%ld %d %lf %lf %lf %lf %lf %lf", &id, &type[got], &p[0], &p[1], &p[2], &f[0], &f[1], &f[2]) !=
            8 ||
        id != (long)got + 1) {
      fclose(d);
      return -1;
    }
    ++got;
  }
  fclose(d);
  return got == natoms ? 0 : -1;
}

static void write_frame(FILE *out, const aceuq_frame *fr, const label_result *r, const char *elements,
                        const int *type, const double *pos, const double *force)
{
  /* W_ab = P_ab V / nktv2p; LAMMPS order xx yy zz xy xz yz */
  const double s = r->volume / NKTV2P_METAL;
  const double w[9] = {r->pvir[0] * s, r->pvir[3] * s, r->pvir[4] * s, r->pvir[3] * s, r->pvir[1] * s,
                       r->pvir[5] * s, r->pvir[4] * s, r->pvir[5] * s, r->pvir[2] * s};
  int pbc[3];
  for (int d = 0; d < 3; ++d) pbc[d] = fr->has_cell && fr->pbc[d];
  fprintf(out, "%zu\nLattice=\"%.17g 0 0 %.17g %.17g 0 %.17g %.17g %.17g\" Properties=species:S:1:pos:R:3:forces:R:3 "
               "energy=%.17g virial=\"",
          fr->natoms, r->lx, r->xy, r->ly, r->xz, r->yz, r->lz, r->energy);
  for (int k = 0; k < 9; ++k) fprintf(out, "%s%.17g", k ? " " : "", w[k]);
  fprintf(out, "\" stress=\"");
  for (int k = 0; k < 9; ++k) fprintf(out, "%s%.17g", k ? " " : "", -w[k] / r->volume);
  fprintf(out, "\" pbc=\"%c %c %c\"", pbc[0] ? 'T' : 'F', pbc[1] ? 'T' : 'F', pbc[2] ? 'T' : 'F');
  if (fr->config_type[0]) fprintf(out, " config_type=%s", fr->config_type);
  fputc('\n', out);
  char el[16];
  for (size_t i = 0; i < fr->natoms; ++i)
    fprintf(out, "%s %.17g %.17g %.17g %.17g %.17g %.17g\n", element_at(elements, type[i], el, sizeof el),
            pos[3 * i], pos[3 * i + 1], pos[3 * i + 2], force[3 * i], force[3 * i + 1], force[3 * i + 2]);
}

static int collect(const label_opts *o, const char *dir, aceuq_frame **frames, const size_t *nframes, size_t total,
                   const char *elements)
{
  label_result *res = calloc(total ? total : 1, sizeof *res);
  char error[1024], tmp[PATH_SIZE];
  int rc = 1;
  if (!res) return 1;
  if (read_log(dir, res, total, error, sizeof error) != 0) {
    fprintf(stderr, "aceuq label: LAMMPS did not label every frame%s%s\n", error[0] ? ": " : "", error);
    free(res);
    return 1;
  }
  if (strlen(o->out) + 5 > sizeof tmp) {
    fprintf(stderr, "aceuq label: output path too long\n");
    free(res);
    return 1;
  }
  snprintf(tmp, sizeof tmp, "%s.tmp", o->out);
  FILE *out = fopen(tmp, "w");
  if (!out) {
    fprintf(stderr, "aceuq label: %s: cannot write (%s)\n", tmp, strerror(errno));
    free(res);
    return 1;
  }
  size_t idx = 0;
  rc = 0;
  for (int k = 0; k < o->nfiles && !rc; ++k)
    for (size_t f = 0; f < nframes[k] && !rc; ++f, ++idx) {
      const aceuq_frame *fr = &frames[k][f];
      size_t n = fr->natoms ? fr->natoms : 1;
      int *type = malloc(n * sizeof *type);
      double *pos = malloc(3 * n * sizeof *pos), *force = malloc(3 * n * sizeof *force);
      if (!type || !pos || !force || read_dump(dir, idx, fr->natoms, type, pos, force) != 0) {
        fprintf(stderr, "aceuq label: cannot read the dump of %s frame %zu\n", o->files[k], f);
        rc = 1;
      } else {
        write_frame(out, fr, &res[idx], elements, type, pos, force);
      }
      free(type);
      free(pos);
      free(force);
    }
  if (fclose(out) != 0) rc = 1;
  if (!rc && rename(tmp, o->out) != 0) {
    fprintf(stderr, "aceuq label: cannot rename %s to %s\n", tmp, o->out);
    rc = 1;
  }
  if (rc) remove(tmp);
  free(res);
  return rc;
}

static void remove_dir(const char *dir, size_t total)
{
  char path[PATH_SIZE];
  for (size_t i = 0; i < total; ++i) {
    remove(frame_file(path, dir, i, "data"));
    remove(frame_file(path, dir, i, "dump"));
  }
  const char *names[] = {"in.label", "label.log", "label.screen", "log.cite", "log.lammps"};
  for (int i = 0; i < 5; ++i) remove(in_dir(path, dir, names[i]));
  rmdir(dir);
}

int cli_cmd_label(int argc, char **argv)
{
  label_opts o;
  int rc = parse_args(argc, argv, &o);
  if (rc) {
    usage();
    return rc;
  }
  aceuq_frame *frames[256] = {0};
  size_t nframes[256] = {0}, total = 0;
  aceuq_error err;
  aceuq_error_clear(&err);
  rc = 1;
  char elements[1024], dirbuf[PATH_SIZE], lmpbuf[4096];
  if (o.keep && strlen(o.keep) >= 4000) {
    fprintf(stderr, "aceuq label: --keep path too long\n");
    return 2;
  }
  const char *dir = NULL;
  int k = 0;
  for (; k < o.nfiles; ++k) {
    if (aceuq_extxyz_read_file(o.files[k], &frames[k], &nframes[k], &err) != ACEUQ_OK) {
      cli_report(o.files[k], &err);
      goto done;
    }
    total += nframes[k];
  }
  if (total == 0) {
    fprintf(stderr, "aceuq label: no frames in the input files\n");
    goto done;
  }
  if (frame_elements(&o, frames, nframes, elements, sizeof elements)) goto done;
  if (o.keep) {
    if (mkdir(o.keep, 0777) != 0 && errno != EEXIST) {
      fprintf(stderr, "aceuq label: cannot create %s (%s)\n", o.keep, strerror(errno));
      goto done;
    }
    dir = o.keep;
  } else {
    const char *t = getenv("TMPDIR");
    if (!t || !*t || strlen(t) > 3000) t = "/tmp";
    in_dir(dirbuf, t, "aceuq-label.XXXXXX");
    if (!mkdtemp(dirbuf)) {
      fprintf(stderr, "aceuq label: cannot create a scratch directory (%s)\n", strerror(errno));
      goto done;
    }
    dir = dirbuf;
  }
  const char *lmp = o.lmp ? o.lmp : default_lmp(lmpbuf, sizeof lmpbuf);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (write_inputs(&o, dir, frames, nframes, elements)) goto done;
  int failed = run_lammps(lmp, dir);
  rc = collect(&o, dir, frames, nframes, total, elements); /* reports LAMMPS's ERROR line on failure */
  if (failed && !rc) rc = 1;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (!rc) {
    size_t atoms = 0;
    for (int j = 0; j < o.nfiles; ++j)
      for (size_t f = 0; f < nframes[j]; ++f) atoms += frames[j][f].natoms;
    printf("aceuq label: %zu frames (%zu atoms) labelled with pair_style %s in %.2f s -> %s\n", total, atoms,
           o.pair_style, (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec), o.out);
  }
done:
  if (dir && !o.keep) remove_dir(dir, total);
  for (int j = 0; j < o.nfiles; ++j) aceuq_frames_free(frames[j], nframes[j]);
  return rc;
}
