/* extxyz.c -- reader for (multi-frame) extended XYZ files.
 *
 * A frame is
 *   line 1: number of atoms N
 *   line 2: comment with key=value pairs; values may be quoted "..." or '...'
 *           or braced {...}.  Recognised (case-insensitive keys):
 *             Lattice="ax ay az bx by bz cx cy cz"   rows = lattice vectors
 *             pbc="T T F"     default T T T with a Lattice, F F F without
 *             Properties=name:type:count:...   types S, R, I, L; default
 *                             species:S:1:pos:R:3
 *             config_type=... kept as the frame's class (aceuq label)
 *             energy=E, virial="9" or stress="9" (-virial/V), forces:R:3 column: labels
 *           Other keys are ignored.
 *   N atom lines, whitespace-separated columns as declared by Properties;
 *   the species (S, 1) and pos (R, 3) columns are read, the rest skipped.
 * Frames follow each other; blank lines after the last frame are allowed. */
#include "file_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XYZ_MAX_TOKEN 256

typedef struct xyz_reader {
  char *text; /* NUL-terminated private copy; lines are split in place */
  char *next; /* start of the next unread line */
  size_t line; /* 1-based number of the line last returned */
  const char *name;
} xyz_reader;

/* Next line (without its '\n' / '\r\n'), or NULL at the end of the text. */
static char *next_line(xyz_reader *r)
{
  if (!r->next) return NULL;
  char *s = r->next;
  char *nl = strchr(s, '\n');
  if (nl) {
    *nl = '\0';
    r->next = nl + 1;
    if (!*r->next) r->next = NULL;
  } else {
    r->next = NULL;
    if (!*s) return NULL;
  }
  size_t n = strlen(s);
  if (n && s[n - 1] == '\r') s[n - 1] = '\0';
  ++r->line;
  return s;
}

static int is_blank(const char *s)
{
  while (*s && isspace((unsigned char)*s)) ++s;
  return *s == '\0';
}

/* Split s in place at whitespace into at most max tokens; returns the count
 * (max + 1 if there are more). */
static size_t split_ws(char *s, char **tok, size_t max)
{
  size_t n = 0;
  for (;;) {
    while (*s && isspace((unsigned char)*s)) ++s;
    if (!*s) return n;
    if (n == max) return max + 1;
    tok[n++] = s;
    while (*s && !isspace((unsigned char)*s)) ++s;
    if (*s) *s++ = '\0';
  }
}

static int parse_double(const char *s, double *v)
{
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  return end != s && *end == '\0' && errno != ERANGE;
}

static int parse_size(const char *s, size_t *v)
{
  while (isspace((unsigned char)*s)) ++s;
  if (!isdigit((unsigned char)*s)) return 0;
  size_t x = 0;
  for (; isdigit((unsigned char)*s); ++s) {
    size_t d = (size_t)(*s - '0');
    if (x > (SIZE_MAX - d) / 10) return 0;
    x = x * 10 + d;
  }
  while (isspace((unsigned char)*s)) ++s;
  *v = x;
  return *s == '\0';
}

static int parse_bool(const char *s, int *v)
{
  if (!strcmp(s, "T") || !strcmp(s, "True") || !strcmp(s, "true") || !strcmp(s, "1")) *v = 1;
  else if (!strcmp(s, "F") || !strcmp(s, "False") || !strcmp(s, "false") || !strcmp(s, "0")) *v = 0;
  else return 0;
  return 1;
}

/* ---- comment line -------------------------------------------------------- */

/* One column group of Properties. */
typedef struct xyz_column {
  char type;    /* S, R, I or L */
  size_t count; /* number of whitespace tokens */
} xyz_column;

typedef struct xyz_layout {
  size_t ntokens;         /* tokens per atom line */
  size_t species_col;     /* token index of species */
  size_t pos_col;         /* token index of x (y, z follow) */
  int has_forces;
  size_t forces_col;      /* token index of fx (fy, fz follow) */
} xyz_layout;

/* Parse "name:type:count:..." into the token layout. */
static aceuq_status parse_properties(xyz_reader *r, char *value, xyz_layout *lay, aceuq_error *err)
{
  size_t tok = 0;
  int have_species = 0, have_pos = 0;
  char *s = value;
  while (*s) {
    char *name = s, *type = strchr(name, ':');
    if (!type) goto bad;
    *type++ = '\0';
    char *count = strchr(type, ':');
    if (!count) goto bad;
    *count++ = '\0';
    char *next = strchr(count, ':');
    if (next) *next++ = '\0';
    size_t n;
    if (!*name || strlen(type) != 1 || !strchr("SRIL", type[0]) || !parse_size(count, &n) || n == 0 ||
        n > 1000000)
      goto bad;
    if (!strcmp(name, "species")) {
      if (type[0] != 'S' || n != 1)
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: Properties: species must be S:1, got %s:%zu",
                               r->name, r->line, type, n);
      lay->species_col = tok;
      have_species = 1;
    } else if (!strcmp(name, "pos")) {
      if (type[0] != 'R' || n != 3)
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: Properties: pos must be R:3, got %s:%zu",
                               r->name, r->line, type, n);
      lay->pos_col = tok;
      have_pos = 1;
    } else if (!strcmp(name, "forces") || !strcmp(name, "force")) {
      if (type[0] != 'R' || n != 3)
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: Properties: %s must be R:3, got %s:%zu", r->name,
                               r->line, name, type, n);
      lay->forces_col = tok;
      lay->has_forces = 1;
    }
    tok += n;
    if (!next) break;
    s = next;
  }
  if (!have_pos)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: Properties has no pos:R:3 column", r->name, r->line);
  if (!have_species)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: Properties has no species:S:1 column", r->name,
                           r->line);
  lay->ntokens = tok;
  return ACEUQ_OK;
bad:
  return aceuq_error_set(err, ACEUQ_ERR_FORMAT,
                         "%s:%zu: malformed Properties (expected name:type:count triples, type S/R/I/L)", r->name,
                         r->line);
}

static int key_is(const char *key, const char *want)
{
  for (; *key && *want; ++key, ++want)
    if (tolower((unsigned char)*key) != tolower((unsigned char)*want)) return 0;
  return *key == *want;
}

/* Parse the comment line: key=value pairs (value quoted, braced or bare) and bare flags. */
static aceuq_status parse_comment(xyz_reader *r, char *s, aceuq_frame *f, xyz_layout *lay, aceuq_error *err)
{
  int have_pbc = 0, have_props = 0, virial_seen = 0, stress_seen = 0;
  while (*s) {
    while (*s && isspace((unsigned char)*s)) ++s;
    if (!*s) break;
    char *key = s;
    while (*s && *s != '=' && !isspace((unsigned char)*s)) ++s;
    char *value = NULL;
    if (*s == '=') {
      *s++ = '\0';
      char open = *s, close = open == '"' ? '"' : open == '\'' ? '\'' : open == '{' ? '}' : 0;
      if (close) {
        value = ++s;
        while (*s && *s != close) {
          if (*s == '\\' && s[1]) ++s;
          ++s;
        }
        if (!*s)
          return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: unterminated quoted value of key '%s'", r->name,
                                 r->line, key);
        *s++ = '\0';
      } else {
        value = s;
        while (*s && !isspace((unsigned char)*s)) ++s;
        if (*s) *s++ = '\0';
      }
    } else if (*s) {
      *s++ = '\0'; /* bare flag: ignored */
    }
    if (!value) continue;
    if (key_is(key, "Lattice")) {
      char *tok[10];
      size_t n = split_ws(value, tok, 9);
      if (n != 9)
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: Lattice needs 9 numbers, got %s", r->name,
                               r->line, n > 9 ? "more" : "fewer");
      for (int i = 0; i < 9; ++i)
        if (!parse_double(tok[i], &f->cell[i]) || !isfinite(f->cell[i]))
          return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: Lattice entry %d '%s' is not a finite number",
                                 r->name, r->line, i + 1, tok[i]);
      f->has_cell = 1;
    } else if (key_is(key, "pbc")) {
      char *tok[4];
      size_t n = split_ws(value, tok, 3);
      if (n != 3)
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: pbc needs 3 flags (T/F)", r->name, r->line);
      for (int i = 0; i < 3; ++i)
        if (!parse_bool(tok[i], &f->pbc[i]))
          return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: pbc flag '%s' is not T or F", r->name, r->line,
                                 tok[i]);
      have_pbc = 1;
    } else if (key_is(key, "energy")) {
      if (!parse_double(value, &f->energy) || !isfinite(f->energy))
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: energy '%.40s' is not a finite number", r->name,
                               r->line, value);
      f->has_energy = 1;
    } else if (key_is(key, "virial") || key_is(key, "stress")) {
      char *tok[10];
      size_t n = split_ws(value, tok, 9);
      if (n != 9)
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: %s needs 9 numbers (3 x 3, row-major), got %s",
                               r->name, r->line, key, n > 9 ? "more" : "fewer");
      double v[9];
      for (int i = 0; i < 9; ++i)
        if (!parse_double(tok[i], &v[i]) || !isfinite(v[i]))
          return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: %s entry %d '%s' is not a finite number", r->name,
                                 r->line, key, i + 1, tok[i]);
      if (key_is(key, "virial") || !virial_seen) memcpy(f->virial, v, sizeof v); /* virial= wins */
      if (key_is(key, "virial")) virial_seen = 1;
      else stress_seen = 1;
    } else if (key_is(key, "config_type")) {
      if (strlen(value) >= sizeof f->config_type)
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: config_type '%.40s...' is longer than %zu characters",
                               r->name, r->line, value, sizeof f->config_type - 1);
      memcpy(f->config_type, value, strlen(value) + 1);
    } else if (key_is(key, "Properties")) {
      aceuq_status st = parse_properties(r, value, lay, err);
      if (st) return st;
      have_props = 1;
    }
  }
  if (!have_props) {
    lay->ntokens = 4;
    lay->species_col = 0;
    lay->pos_col = 1;
  }
  if (!have_pbc) f->pbc[0] = f->pbc[1] = f->pbc[2] = f->has_cell;
  if (stress_seen && !virial_seen) { /* virial = -stress * V */
    const double *c = f->cell;
    const double vol = fabs(c[0] * (c[4] * c[8] - c[5] * c[7]) - c[1] * (c[3] * c[8] - c[5] * c[6]) +
                            c[2] * (c[3] * c[7] - c[4] * c[6]));
    if (!f->has_cell || !(vol > 0))
      return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: stress given without a Lattice (no volume to turn it "
                             "into a virial)", r->name, r->line);
    for (int i = 0; i < 9; ++i) f->virial[i] = -f->virial[i] * vol;
  }
  f->has_virial = virial_seen || stress_seen;
  if (!f->has_cell && (f->pbc[0] || f->pbc[1] || f->pbc[2]))
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: pbc has a periodic direction but there is no Lattice",
                           r->name, r->line);
  return ACEUQ_OK;
}

/* ---- frames -------------------------------------------------------------- */

static void frame_clear(aceuq_frame *f)
{
  free(f->forces);
  free(f->species);
  free(f->species_text);
  free(f->positions);
  memset(f, 0, sizeof *f);
}

void aceuq_frames_free(aceuq_frame *frames, size_t nframes)
{
  if (!frames) return;
  for (size_t i = 0; i < nframes; ++i) frame_clear(&frames[i]);
  free(frames);
}

/* Read one frame whose atom-count line has been read already. */
static aceuq_status read_frame(xyz_reader *r, const char *count_line, aceuq_frame *f, char **tok,
                               aceuq_error *err)
{
  memset(f, 0, sizeof *f);
  f->line = r->line;
  size_t n;
  if (!parse_size(count_line, &n))
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: expected the number of atoms, got '%.40s'", r->name,
                           r->line, count_line);
  if (n > 100000000)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: implausible number of atoms %zu", r->name, r->line, n);
  char *comment = next_line(r);
  if (!comment)
    return aceuq_error_set(err, ACEUQ_ERR_IO, "%s:%zu: truncated file: comment line of the frame is missing",
                           r->name, r->line);
  xyz_layout lay = {4, 0, 1, 0, 0};
  aceuq_status st = parse_comment(r, comment, f, &lay, err);
  if (st) return st;
  if (lay.ntokens > XYZ_MAX_TOKEN)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: Properties declare %zu columns (at most %d supported)",
                           r->name, r->line, lay.ntokens, XYZ_MAX_TOKEN);
  f->natoms = n;
  f->positions = malloc(sizeof(double) * 3 * (n ? n : 1));
  f->species = malloc(sizeof(char *) * (n ? n : 1));
  size_t text_cap = 8 * (n ? n : 1), text_len = 0;
  f->species_text = malloc(text_cap);
  if (lay.has_forces) f->forces = malloc(sizeof(double) * 3 * (n ? n : 1));
  if (!f->positions || !f->species || !f->species_text || (lay.has_forces && !f->forces))
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s:%zu: out of memory for %zu atoms", r->name, r->line, n);
  size_t *offset = (size_t *)f->species; /* offsets first; pointers after the text is final */
  for (size_t i = 0; i < n; ++i) {
    char *line = next_line(r);
    if (!line)
      return aceuq_error_set(err, ACEUQ_ERR_IO, "%s:%zu: truncated file: frame declares %zu atoms, only %zu present",
                             r->name, r->line, n, i);
    size_t got = split_ws(line, tok, lay.ntokens);
    if (got != lay.ntokens)
      return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: expected %zu columns, got %s%zu", r->name, r->line,
                             lay.ntokens, got > lay.ntokens ? "more than " : "", got > lay.ntokens ? lay.ntokens : got);
    for (int c = 0; c < 3; ++c) {
      const char *t = tok[lay.pos_col + (size_t)c];
      double v;
      if (!parse_double(t, &v))
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: position '%s' is not a number", r->name, r->line, t);
      if (!isfinite(v))
        return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s:%zu: position '%s' is not finite", r->name, r->line, t);
      f->positions[3 * i + (size_t)c] = v;
    }
    for (int c = 0; lay.has_forces && c < 3; ++c) {
      const char *t = tok[lay.forces_col + (size_t)c];
      double v;
      if (!parse_double(t, &v) || !isfinite(v))
        return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: force '%s' is not a finite number", r->name, r->line,
                               t);
      f->forces[3 * i + (size_t)c] = v;
    }
    const char *sp = tok[lay.species_col];
    size_t len = strlen(sp) + 1;
    if (text_len + len > text_cap) {
      while (text_len + len > text_cap) text_cap *= 2;
      char *nt = realloc(f->species_text, text_cap);
      if (!nt) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s:%zu: out of memory", r->name, r->line);
      f->species_text = nt;
    }
    memcpy(f->species_text + text_len, sp, len);
    offset[i] = text_len;
    text_len += len;
  }
  for (size_t i = 0; i < n; ++i) f->species[i] = f->species_text + offset[i];
  return ACEUQ_OK;
}

aceuq_status aceuq_extxyz_read_buffer(const char *text, size_t len, const char *name, aceuq_frame **frames,
                                      size_t *nframes, aceuq_error *err)
{
  if (!name) name = "<buffer>";
  if (!frames || !nframes) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: no output given", name);
  *frames = NULL;
  *nframes = 0;
  if (!text && len) return aceuq_error_set(err, ACEUQ_ERR_VALUE, "%s: NULL text", name);
  if (memchr(text, '\0', len))
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: not a text file (contains NUL bytes)", name);
  xyz_reader r = {malloc(len + 1), NULL, 0, name};
  char **tok = malloc(sizeof(char *) * (XYZ_MAX_TOKEN + 1));
  if (!r.text || !tok) {
    free(r.text);
    free(tok);
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", name);
  }
  if (len) memcpy(r.text, text, len);
  r.text[len] = '\0';
  r.next = len ? r.text : NULL;
  aceuq_frame *out = NULL;
  size_t n = 0, cap = 0;
  aceuq_status st = ACEUQ_OK;
  char *line;
  while ((line = next_line(&r))) {
    if (is_blank(line)) {
      /* only allowed after the last frame */
      while ((line = next_line(&r)) && is_blank(line)) {}
      if (line) {
        st = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: unexpected blank line between frames", name, r.line);
        break;
      }
      break;
    }
    if (n == cap) {
      size_t nc = cap ? 2 * cap : 4;
      aceuq_frame *nf = realloc(out, nc * sizeof *nf);
      if (!nf) {
        st = aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", name);
        break;
      }
      out = nf;
      cap = nc;
    }
    st = read_frame(&r, line, &out[n], tok, err);
    ++n;
    if (st) break;
  }
  free(r.text);
  free(tok);
  if (st == ACEUQ_OK && n == 0)
    st = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: no frames (empty file)", name);
  if (st) {
    aceuq_frames_free(out, n);
    return st;
  }
  *frames = out;
  *nframes = n;
  return ACEUQ_OK;
}

aceuq_status aceuq_extxyz_read_file(const char *path, aceuq_frame **frames, size_t *nframes, aceuq_error *err)
{
  if (frames) *frames = NULL;
  if (nframes) *nframes = 0;
  char *buf;
  size_t len;
  aceuq_status st = aceuq_file_read_all(path, &buf, &len, err);
  if (st) return st;
  st = aceuq_extxyz_read_buffer(buf, len, path, frames, nframes, err);
  free(buf);
  return st;
}
