/* ace_io.h -- internal readers of ACE potential files (not public API).
 *
 *  - pacemaker B-basis .yaml  (ace_yaml.c; docs/ace.md section 2)
 *  - ML-PACE C-tilde .yace    (ace_yace.c; docs/ace.md section 3)
 *
 * Each reader allocates a complete, validated ace_model (free it with
 * ace_model_free) with the global maxima already filled in
 * (ace_model_finalize).  On failure *out is NULL and err holds a message of
 * the form "<file>:<line>: <key path>: <problem>", e.g.
 *   "pot.yaml:41: species[0].nbody[3].nl: expected an integer, got 'abc'".
 */
#ifndef ACEUQ_ACE_IO_H
#define ACEUQ_ACE_IO_H

#include "ace_model.h"
#include "aceuq.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* pacemaker B-basis potential: fills bfuncs (ctilde stays NULL), E0 = 0. */
aceuq_status ace_model_read_yaml(const char *path, ace_model **out, aceuq_error *err);
/* Same from memory; name is used in messages and as model->source. */
aceuq_status ace_model_read_yaml_buffer(const char *text, size_t size, const char *name, ace_model **out,
                                        aceuq_error *err);

/* ML-PACE C-tilde potential: fills ctilde (bfuncs stays NULL) and E0. */
aceuq_status ace_model_read_yace(const char *path, ace_model **out, aceuq_error *err);
aceuq_status ace_model_read_yace_buffer(const char *text, size_t size, const char *name, ace_model **out,
                                        aceuq_error *err);

/* By extension: .yaml / .yml -> B-basis, .yace -> C-tilde; anything else is
 * an error naming the supported extensions. */
aceuq_status ace_model_read(const char *path, ace_model **out, aceuq_error *err);

/* Names as written in the files ("ChebExpCos", "FinnisSinclair", "distance"). */
const char *ace_radbase_name(ace_radbase_type t);
const char *ace_embedding_name(ace_embedding_type t);
const char *ace_inner_cutoff_name(ace_inner_cutoff_type t);

#ifdef __cplusplus
}
#endif

#endif
