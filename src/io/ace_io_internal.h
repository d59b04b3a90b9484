/* ace_io_internal.h -- pieces shared by the .yaml and .yace readers. */
#ifndef ACEUQ_ACE_IO_INTERNAL_H
#define ACEUQ_ACE_IO_INTERNAL_H

#include "ace_io.h"
#include "ace_yaml_doc.h"

/* File name -> enum; 0 if the name is unknown.  The radial basis accepts
 * "TEST_SBessel" as an alias of "SBessel". */
int ace_radbase_parse(const char *name, ace_radbase_type *t);
int ace_embedding_parse(const char *name, ace_embedding_type *t);
int ace_inner_cutoff_parse(const char *name, ace_inner_cutoff_type *t);

/* Allocate an empty model for nelements species: source, elements, E0 (0),
 * embeddings and bonds (zeroed), per-species function counters. */
aceuq_status ace_model_alloc(const char *source, int nelements, ace_model **out, aceuq_error *err);

/* Read crad[nradmax][lmax+1][nradbase] of a bond from a nested list
 * [n][l][k] with exactly these lengths into a new array *crad. */
aceuq_status ace_read_crad_nested(ace_ydoc *d, const yaml_node_t *n, const char *path, int nradmax, int lmax,
                                  int nradbase, double **crad, aceuq_error *err);

/* Check the sizes and ranges shared by both formats: nradmax >= 0, lmax >= 0,
 * nradbase >= 1, rcut > 0, dcut >= 0, r_in >= 0, delta_in >= 0.  node/path
 * locate the bond in messages. */
aceuq_status ace_check_bond(const ace_ydoc *d, const yaml_node_t *node, const char *path, const ace_bond *b,
                            aceuq_error *err);

/* Read path into memory and parse it with read (a *_buffer reader). */
typedef aceuq_status (*ace_buffer_reader)(const char *text, size_t size, const char *name, ace_model **out,
                                          aceuq_error *err);
aceuq_status ace_model_read_file_with(const char *path, ace_buffer_reader read, ace_model **out, aceuq_error *err);

/* Finalise and hand over: fills the global maxima, sets *out. */
void ace_model_publish(ace_model *m, ace_model **out);

#endif
