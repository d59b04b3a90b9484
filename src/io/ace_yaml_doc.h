/* ace_yaml_doc.h -- typed access to a parsed YAML document (libyaml) with
 * errors that locate the node: "<file>:<line>: <key path>: <problem>".
 * Shared by the .yaml (B-basis) and .yace (C-tilde) readers.
 *
 * Paths are built by the caller: a child of map path P under key K is "P.K"
 * ("K" when P is empty), item i of sequence P is "P[i]" (ace_ypath_*).
 * Numbers: the scalar text must be a complete decimal number (strtod, hence
 * correctly rounded); NaN, infinities, hex floats and trailing text are
 * rejected; integers must be written as integers ("3", not "3.0"). */
#ifndef ACEUQ_ACE_YAML_DOC_H
#define ACEUQ_ACE_YAML_DOC_H

#include "ace_notes.h"
#include "error_internal.h"

#include <stddef.h>
#include <yaml.h>

#define ACE_YPATH_MAX 160

typedef struct ace_ydoc {
  yaml_document_t doc;
  const char *name;  /* file name used in messages */
  ace_notes *notes;  /* where ace_ydoc_note writes (NULL: notes are dropped) */
} ace_ydoc;

/* Parse the (single) document of text.  Syntax errors, an empty input and a
 * second document are reported; on failure nothing needs to be freed. */
aceuq_status ace_ydoc_load(ace_ydoc *d, const char *text, size_t size, const char *name, aceuq_error *err);
void ace_ydoc_free(ace_ydoc *d);
yaml_node_t *ace_ydoc_root(ace_ydoc *d);

/* Record "<file>:<line of n>: <path>: <formatted problem>" (path may be ""). */
aceuq_status ace_ydoc_fail(const ace_ydoc *d, const yaml_node_t *n, const char *path, aceuq_error *err,
                           aceuq_status code, const char *fmt, ...) ACEUQ_PRINTF(6, 7);

/* Leave the note "<file>:<line of n>: <path>: <formatted text>" in d->notes. */
void ace_ydoc_note(const ace_ydoc *d, const yaml_node_t *n, const char *path, const char *fmt, ...)
    ACEUQ_PRINTF(4, 5);

/* path helpers (truncate silently; paths are for messages only) */
void ace_ypath_key(char out[ACE_YPATH_MAX], const char *parent, const char *key);
void ace_ypath_index(char out[ACE_YPATH_MAX], const char *parent, size_t index);

/* ---- collections ------------------------------------------------------- */
/* Require node type (mapping / sequence / scalar) with "expected a mapping, got ..." */
aceuq_status ace_ynode_expect(const ace_ydoc *d, const yaml_node_t *n, const char *path, yaml_node_type_t type,
                              aceuq_error *err);
size_t ace_yseq_size(const yaml_node_t *seq);
yaml_node_t *ace_yseq_item(ace_ydoc *d, const yaml_node_t *seq, size_t i);
size_t ace_ymap_size(const yaml_node_t *map);
yaml_node_t *ace_ymap_key_at(ace_ydoc *d, const yaml_node_t *map, size_t i);
yaml_node_t *ace_ymap_value_at(ace_ydoc *d, const yaml_node_t *map, size_t i);
/* Value of the scalar key `key` in map, NULL if absent. */
yaml_node_t *ace_ymap_find(ace_ydoc *d, const yaml_node_t *map, const char *key);
/* Reject duplicate scalar keys and, when allowed != NULL (NULL-terminated
 * list), keys not in the list. */
aceuq_status ace_ymap_check_keys(ace_ydoc *d, const yaml_node_t *map, const char *path,
                                 const char *const *allowed, aceuq_error *err);
/* Reject duplicate scalar keys; note (not reject) every key that is not in
 * known (NULL-terminated) as "unknown key 'K' ignored" -- ML-PACE reads the
 * keys it knows and never looks at others, so neither do we. */
aceuq_status ace_ymap_note_unknown_keys(ace_ydoc *d, const yaml_node_t *map, const char *path,
                                        const char *const *known, aceuq_error *err);

/* ---- scalars ------------------------------------------------------------ */
/* Scalar text equals s exactly. */
int ace_yscalar_is(const yaml_node_t *n, const char *s);
/* A plain empty / "~" / "null" scalar. */
int ace_ynode_is_null(const yaml_node_t *n);
aceuq_status ace_ynode_double(const ace_ydoc *d, const yaml_node_t *n, const char *path, double *v,
                              aceuq_error *err);
aceuq_status ace_ynode_int(const ace_ydoc *d, const yaml_node_t *n, const char *path, int *v, aceuq_error *err);
aceuq_status ace_ynode_bool(const ace_ydoc *d, const yaml_node_t *n, const char *path, int *v, aceuq_error *err);
/* Copy a scalar into buf (cap bytes incl. NUL); too long or embedded NUL is an error. */
aceuq_status ace_ynode_string(const ace_ydoc *d, const yaml_node_t *n, const char *path, char *buf, size_t cap,
                              aceuq_error *err);
/* A sequence of numbers (or, if allow_scalar, a single number taken as a list
 * of one).  *v is malloc'ed (NULL for an empty list); *len its length. */
aceuq_status ace_ynode_doubles(ace_ydoc *d, const yaml_node_t *n, const char *path, int allow_scalar, double **v,
                               size_t *len, aceuq_error *err);
/* A sequence of at most cap integers into v[]. */
aceuq_status ace_ynode_ints(ace_ydoc *d, const yaml_node_t *n, const char *path, int *v, size_t cap, size_t *len,
                            aceuq_error *err);

/* ---- map members: look up key, then convert; a missing key is an error
 * "missing required key 'K'" if required, else the output is left as is. */
aceuq_status ace_ymap_double(ace_ydoc *d, const yaml_node_t *map, const char *path, const char *key, int required,
                             double *v, aceuq_error *err);
aceuq_status ace_ymap_int(ace_ydoc *d, const yaml_node_t *map, const char *path, const char *key, int required,
                          int *v, aceuq_error *err);
aceuq_status ace_ymap_string(ace_ydoc *d, const yaml_node_t *map, const char *path, const char *key, int required,
                             char *buf, size_t cap, aceuq_error *err);
/* Required member of a given type. */
aceuq_status ace_ymap_require(ace_ydoc *d, const yaml_node_t *map, const char *path, const char *key,
                              yaml_node_type_t type, yaml_node_t **out, aceuq_error *err);

#endif
