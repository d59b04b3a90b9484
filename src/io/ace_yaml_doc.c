/* ace_yaml_doc.c -- typed, located access to a libyaml document. */
#include "ace_yaml_doc.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- document ------------------------------------------------------------ */

static aceuq_status parser_failure(const yaml_parser_t *p, const char *name, aceuq_error *err)
{
  if (p->error == YAML_MEMORY_ERROR)
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory parsing YAML", name);
  const char *problem = p->problem ? p->problem : "malformed input";
  if (p->context)
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu:%zu: YAML syntax error: %s %s (line %zu)", name,
                           p->problem_mark.line + 1, p->problem_mark.column + 1, problem, p->context,
                           p->context_mark.line + 1);
  return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu:%zu: YAML syntax error: %s", name,
                         p->problem_mark.line + 1, p->problem_mark.column + 1, problem);
}

aceuq_status ace_ydoc_load(ace_ydoc *d, const char *text, size_t size, const char *name, aceuq_error *err)
{
  memset(d, 0, sizeof *d);
  d->name = name;
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: cannot initialise the YAML parser", name);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, size);
  if (!yaml_parser_load(&parser, &d->doc)) {
    aceuq_status st = parser_failure(&parser, name, err);
    yaml_parser_delete(&parser);
    return st;
  }
  if (!yaml_document_get_root_node(&d->doc)) {
    yaml_document_delete(&d->doc);
    yaml_parser_delete(&parser);
    return aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s: empty file (no YAML document)", name);
  }
  /* exactly one document: the next load must give the empty end marker */
  yaml_document_t extra;
  aceuq_status st = ACEUQ_OK;
  if (!yaml_parser_load(&parser, &extra)) {
    st = parser_failure(&parser, name, err);
  } else {
    yaml_node_t *r = yaml_document_get_root_node(&extra);
    if (r)
      st = aceuq_error_set(err, ACEUQ_ERR_FORMAT, "%s:%zu: a second YAML document is not allowed", name,
                           r->start_mark.line + 1);
    yaml_document_delete(&extra);
  }
  yaml_parser_delete(&parser);
  if (st != ACEUQ_OK) yaml_document_delete(&d->doc);
  return st;
}

void ace_ydoc_free(ace_ydoc *d) { yaml_document_delete(&d->doc); }

yaml_node_t *ace_ydoc_root(ace_ydoc *d) { return yaml_document_get_root_node(&d->doc); }

/* "<file>:<line of n>: <path>: <text>" (no path part when path is empty) into out, truncated to size */
static void located(const ace_ydoc *d, const yaml_node_t *n, const char *path, char *out, size_t size,
                    const char *fmt, va_list ap)
{
  size_t line = n ? n->start_mark.line + 1 : 1;
  int len = path && path[0] ? snprintf(out, size, "%s:%zu: %s: ", d->name, line, path)
                            : snprintf(out, size, "%s:%zu: ", d->name, line);
  if (len >= 0 && (size_t)len < size) vsnprintf(out + len, size - (size_t)len, fmt, ap);
}

aceuq_status ace_ydoc_fail(const ace_ydoc *d, const yaml_node_t *n, const char *path, aceuq_error *err,
                           aceuq_status code, const char *fmt, ...)
{
  char message[ACEUQ_ERROR_MESSAGE_SIZE];
  va_list ap;
  va_start(ap, fmt);
  located(d, n, path, message, sizeof message, fmt, ap);
  va_end(ap);
  return aceuq_error_set(err, code, "%s", message);
}

void ace_ydoc_note(const ace_ydoc *d, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
  if (!d->notes) return;
  char note[ACE_NOTE_SIZE];
  va_list ap;
  va_start(ap, fmt);
  located(d, n, path, note, sizeof note, fmt, ap);
  va_end(ap);
  ace_notes_add(d->notes, "%s", note);
}

void ace_ypath_key(char out[ACE_YPATH_MAX], const char *parent, const char *key)
{
  if (parent && parent[0])
    snprintf(out, ACE_YPATH_MAX, "%.100s.%.50s", parent, key);
  else
    snprintf(out, ACE_YPATH_MAX, "%.50s", key);
}

void ace_ypath_index(char out[ACE_YPATH_MAX], const char *parent, size_t index)
{
  snprintf(out, ACE_YPATH_MAX, "%.120s[%zu]", parent ? parent : "", index);
}

/* ---- collections --------------------------------------------------------- */

static const char *type_name(yaml_node_type_t t)
{
  switch (t) {
  case YAML_MAPPING_NODE: return "a mapping";
  case YAML_SEQUENCE_NODE: return "a list";
  case YAML_SCALAR_NODE: return "a scalar";
  default: return "nothing";
  }
}

/* printable, shortened copy of a scalar for messages */
static void scalar_excerpt(const yaml_node_t *n, char *out, size_t cap)
{
  size_t len = n->data.scalar.length, o = 0;
  for (size_t i = 0; i < len && o + 8 < cap; ++i) {
    unsigned char c = n->data.scalar.value[i];
    if (i == 40) {
      memcpy(out + o, "...", 3);
      o += 3;
      break;
    }
    if (c >= 32 && c < 127 && c != '\'')
      out[o++] = (char)c;
    else
      o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
  }
  out[o] = '\0';
}

static aceuq_status describe_mismatch(const ace_ydoc *d, const yaml_node_t *n, const char *path,
                                      const char *expected, aceuq_error *err)
{
  if (n->type == YAML_SCALAR_NODE) {
    char ex[64];
    scalar_excerpt(n, ex, sizeof ex);
    if (ace_ynode_is_null(n)) return ace_ydoc_fail(d, n, path, err, ACEUQ_ERR_FORMAT, "expected %s, got nothing", expected);
    return ace_ydoc_fail(d, n, path, err, ACEUQ_ERR_FORMAT, "expected %s, got '%s'", expected, ex);
  }
  return ace_ydoc_fail(d, n, path, err, ACEUQ_ERR_FORMAT, "expected %s, got %s", expected, type_name(n->type));
}

aceuq_status ace_ynode_expect(const ace_ydoc *d, const yaml_node_t *n, const char *path, yaml_node_type_t type,
                              aceuq_error *err)
{
  if (n->type == type) return ACEUQ_OK;
  return describe_mismatch(d, n, path, type_name(type), err);
}

size_t ace_yseq_size(const yaml_node_t *seq)
{
  return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *ace_yseq_item(ace_ydoc *d, const yaml_node_t *seq, size_t i)
{
  return yaml_document_get_node(&d->doc, seq->data.sequence.items.start[i]);
}

size_t ace_ymap_size(const yaml_node_t *map)
{
  return (size_t)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
}

yaml_node_t *ace_ymap_key_at(ace_ydoc *d, const yaml_node_t *map, size_t i)
{
  return yaml_document_get_node(&d->doc, map->data.mapping.pairs.start[i].key);
}

yaml_node_t *ace_ymap_value_at(ace_ydoc *d, const yaml_node_t *map, size_t i)
{
  return yaml_document_get_node(&d->doc, map->data.mapping.pairs.start[i].value);
}

int ace_yscalar_is(const yaml_node_t *n, const char *s)
{
  size_t len = strlen(s);
  return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == len &&
         memcmp(n->data.scalar.value, s, len) == 0;
}

yaml_node_t *ace_ymap_find(ace_ydoc *d, const yaml_node_t *map, const char *key)
{
  for (size_t i = 0; i < ace_ymap_size(map); ++i)
    if (ace_yscalar_is(ace_ymap_key_at(d, map, i), key)) return ace_ymap_value_at(d, map, i);
  return NULL;
}

static int scalars_equal(const yaml_node_t *a, const yaml_node_t *b)
{
  return a->type == YAML_SCALAR_NODE && b->type == YAML_SCALAR_NODE &&
         a->data.scalar.length == b->data.scalar.length &&
         memcmp(a->data.scalar.value, b->data.scalar.value, a->data.scalar.length) == 0;
}

aceuq_status ace_ymap_check_keys(ace_ydoc *d, const yaml_node_t *map, const char *path,
                                 const char *const *allowed, aceuq_error *err)
{
  size_t n = ace_ymap_size(map);
  for (size_t i = 0; i < n; ++i) {
    yaml_node_t *k = ace_ymap_key_at(d, map, i);
    char ex[64];
    if (k->type != YAML_SCALAR_NODE) {
      if (allowed) return ace_ydoc_fail(d, k, path, err, ACEUQ_ERR_FORMAT, "expected a key, got %s", type_name(k->type));
      continue;
    }
    scalar_excerpt(k, ex, sizeof ex);
    for (size_t j = 0; j < i; ++j)
      if (scalars_equal(k, ace_ymap_key_at(d, map, j)))
        return ace_ydoc_fail(d, k, path, err, ACEUQ_ERR_FORMAT, "duplicate key '%s'", ex);
    if (!allowed) continue;
    int known = 0;
    for (const char *const *a = allowed; *a && !known; ++a) known = ace_yscalar_is(k, *a);
    if (!known) return ace_ydoc_fail(d, k, path, err, ACEUQ_ERR_FORMAT, "unknown key '%s'", ex);
  }
  return ACEUQ_OK;
}

aceuq_status ace_ymap_note_unknown_keys(ace_ydoc *d, const yaml_node_t *map, const char *path,
                                        const char *const *known, aceuq_error *err)
{
  aceuq_status st = ace_ymap_check_keys(d, map, path, NULL, err);
  for (size_t i = 0; st == ACEUQ_OK && i < ace_ymap_size(map); ++i) {
    yaml_node_t *k = ace_ymap_key_at(d, map, i);
    int is_known = k->type != YAML_SCALAR_NODE;
    for (const char *const *a = known; *a && !is_known; ++a) is_known = ace_yscalar_is(k, *a);
    if (is_known) continue;
    char ex[64];
    scalar_excerpt(k, ex, sizeof ex);
    ace_ydoc_note(d, k, path, "unknown key '%s' ignored", ex);
  }
  return st;
}

/* ---- scalars ------------------------------------------------------------- */

int ace_ynode_is_null(const yaml_node_t *n)
{
  return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
         (n->data.scalar.length == 0 || ace_yscalar_is(n, "~") || ace_yscalar_is(n, "null") ||
          ace_yscalar_is(n, "Null") || ace_yscalar_is(n, "NULL"));
}

/* NUL-terminated copy of a scalar of at most 63 characters; 0 if it does not fit
 * or contains a NUL byte */
static int scalar_text(const yaml_node_t *n, char *buf, size_t cap)
{
  size_t len = n->data.scalar.length;
  if (len >= cap || memchr(n->data.scalar.value, 0, len)) return 0;
  memcpy(buf, n->data.scalar.value, len);
  buf[len] = '\0';
  return 1;
}

/* decimal number: [sign] digits [. digits] [e [sign] digits], at least one digit in the mantissa */
static int is_decimal_number(const char *s)
{
  if (*s == '+' || *s == '-') ++s;
  int digits = 0;
  while (*s >= '0' && *s <= '9') ++s, ++digits;
  if (*s == '.') {
    ++s;
    while (*s >= '0' && *s <= '9') ++s, ++digits;
  }
  if (!digits) return 0;
  if (*s == 'e' || *s == 'E') {
    ++s;
    if (*s == '+' || *s == '-') ++s;
    if (!(*s >= '0' && *s <= '9')) return 0;
    while (*s >= '0' && *s <= '9') ++s;
  }
  return *s == '\0';
}

aceuq_status ace_ynode_double(const ace_ydoc *d, const yaml_node_t *n, const char *path, double *v,
                              aceuq_error *err)
{
  char buf[64];
  if (n->type != YAML_SCALAR_NODE || ace_ynode_is_null(n) || !scalar_text(n, buf, sizeof buf) ||
      !is_decimal_number(buf))
    return describe_mismatch(d, n, path, "a number", err);
  errno = 0;
  double x = strtod(buf, NULL);
  if (!isfinite(x) || (errno == ERANGE && fabs(x) > 1.0))
    return ace_ydoc_fail(d, n, path, err, ACEUQ_ERR_VALUE, "number '%s' is out of the double range", buf);
  *v = x;
  return ACEUQ_OK;
}

aceuq_status ace_ynode_int(const ace_ydoc *d, const yaml_node_t *n, const char *path, int *v, aceuq_error *err)
{
  char buf[64];
  const char *s = buf;
  int ok = n->type == YAML_SCALAR_NODE && scalar_text(n, buf, sizeof buf);
  if (ok) {
    if (*s == '+' || *s == '-') ++s;
    ok = *s != '\0';
    for (; ok && *s; ++s) ok = *s >= '0' && *s <= '9';
  }
  if (!ok || ace_ynode_is_null(n)) return describe_mismatch(d, n, path, "an integer", err);
  errno = 0;
  long x = strtol(buf, NULL, 10);
  if (errno == ERANGE || x > INT_MAX || x < INT_MIN)
    return ace_ydoc_fail(d, n, path, err, ACEUQ_ERR_VALUE, "integer '%s' is out of range", buf);
  *v = (int)x;
  return ACEUQ_OK;
}

aceuq_status ace_ynode_bool(const ace_ydoc *d, const yaml_node_t *n, const char *path, int *v, aceuq_error *err)
{
  static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", NULL};
  static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", NULL};
  for (int i = 0; yes[i]; ++i) {
    if (ace_yscalar_is(n, yes[i])) {
      *v = 1;
      return ACEUQ_OK;
    }
    if (ace_yscalar_is(n, no[i])) {
      *v = 0;
      return ACEUQ_OK;
    }
  }
  return describe_mismatch(d, n, path, "true or false", err);
}

aceuq_status ace_ynode_string(const ace_ydoc *d, const yaml_node_t *n, const char *path, char *buf, size_t cap,
                              aceuq_error *err)
{
  aceuq_status st = ace_ynode_expect(d, n, path, YAML_SCALAR_NODE, err);
  if (st != ACEUQ_OK) return st;
  if (!scalar_text(n, buf, cap)) {
    char ex[64];
    scalar_excerpt(n, ex, sizeof ex);
    return ace_ydoc_fail(d, n, path, err, ACEUQ_ERR_FORMAT, "'%s' is too long or contains a NUL byte", ex);
  }
  return ACEUQ_OK;
}

aceuq_status ace_ynode_doubles(ace_ydoc *d, const yaml_node_t *n, const char *path, int allow_scalar, double **v,
                               size_t *len, aceuq_error *err)
{
  *v = NULL;
  *len = 0;
  if (allow_scalar && n->type == YAML_SCALAR_NODE) {
    double x;
    aceuq_status st = ace_ynode_double(d, n, path, &x, err);
    if (st != ACEUQ_OK) return st;
    if (!(*v = malloc(sizeof **v))) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", d->name);
    **v = x;
    *len = 1;
    return ACEUQ_OK;
  }
  aceuq_status st = ace_ynode_expect(d, n, path, YAML_SEQUENCE_NODE, err);
  if (st != ACEUQ_OK) return st;
  size_t count = ace_yseq_size(n);
  if (count == 0) return ACEUQ_OK;
  double *out = malloc(count * sizeof *out);
  if (!out) return aceuq_error_set(err, ACEUQ_ERR_NOMEM, "%s: out of memory", d->name);
  for (size_t i = 0; i < count; ++i) {
    char ipath[ACE_YPATH_MAX];
    ace_ypath_index(ipath, path, i);
    st = ace_ynode_double(d, ace_yseq_item(d, n, i), ipath, &out[i], err);
    if (st != ACEUQ_OK) {
      free(out);
      return st;
    }
  }
  *v = out;
  *len = count;
  return ACEUQ_OK;
}

aceuq_status ace_ynode_ints(ace_ydoc *d, const yaml_node_t *n, const char *path, int *v, size_t cap, size_t *len,
                            aceuq_error *err)
{
  *len = 0;
  aceuq_status st = ace_ynode_expect(d, n, path, YAML_SEQUENCE_NODE, err);
  if (st != ACEUQ_OK) return st;
  size_t count = ace_yseq_size(n);
  if (count > cap)
    return ace_ydoc_fail(d, n, path, err, ACEUQ_ERR_VALUE, "list of %zu integers is longer than %zu", count, cap);
  for (size_t i = 0; i < count; ++i) {
    char ipath[ACE_YPATH_MAX];
    ace_ypath_index(ipath, path, i);
    st = ace_ynode_int(d, ace_yseq_item(d, n, i), ipath, &v[i], err);
    if (st != ACEUQ_OK) return st;
  }
  *len = count;
  return ACEUQ_OK;
}

/* ---- map members ---------------------------------------------------------- */

static aceuq_status member(ace_ydoc *d, const yaml_node_t *map, const char *path, const char *key, int required,
                           yaml_node_t **out, char kpath[ACE_YPATH_MAX], aceuq_error *err)
{
  *out = ace_ymap_find(d, map, key);
  ace_ypath_key(kpath, path, key);
  if (!*out && required)
    return ace_ydoc_fail(d, map, path, err, ACEUQ_ERR_FORMAT, "missing required key '%s'", key);
  return ACEUQ_OK;
}

aceuq_status ace_ymap_double(ace_ydoc *d, const yaml_node_t *map, const char *path, const char *key, int required,
                             double *v, aceuq_error *err)
{
  yaml_node_t *n;
  char kpath[ACE_YPATH_MAX];
  aceuq_status st = member(d, map, path, key, required, &n, kpath, err);
  if (st != ACEUQ_OK || !n) return st;
  return ace_ynode_double(d, n, kpath, v, err);
}

aceuq_status ace_ymap_int(ace_ydoc *d, const yaml_node_t *map, const char *path, const char *key, int required,
                          int *v, aceuq_error *err)
{
  yaml_node_t *n;
  char kpath[ACE_YPATH_MAX];
  aceuq_status st = member(d, map, path, key, required, &n, kpath, err);
  if (st != ACEUQ_OK || !n) return st;
  return ace_ynode_int(d, n, kpath, v, err);
}

aceuq_status ace_ymap_string(ace_ydoc *d, const yaml_node_t *map, const char *path, const char *key, int required,
                             char *buf, size_t cap, aceuq_error *err)
{
  yaml_node_t *n;
  char kpath[ACE_YPATH_MAX];
  aceuq_status st = member(d, map, path, key, required, &n, kpath, err);
  if (st != ACEUQ_OK || !n) return st;
  return ace_ynode_string(d, n, kpath, buf, cap, err);
}

aceuq_status ace_ymap_require(ace_ydoc *d, const yaml_node_t *map, const char *path, const char *key,
                              yaml_node_type_t type, yaml_node_t **out, aceuq_error *err)
{
  char kpath[ACE_YPATH_MAX];
  aceuq_status st = member(d, map, path, key, 1, out, kpath, err);
  if (st != ACEUQ_OK) return st;
  return ace_ynode_expect(d, *out, kpath, type, err);
}
