/* ace_spec.h -- basis specification -> B-basis model (internal; the input
 * of `aceuq fit`, format in docs/basis_spec.md). */
#ifndef ACEUQ_ACE_SPEC_H
#define ACEUQ_ACE_SPEC_H

#include "ace_model.h"
#include "aceuq.h"

#include <stddef.h>

/* 1 if text is a YAML mapping with a `functions` key and no `species` key
 * (a specification, not a potential). */
int ace_spec_detect(const char *text, size_t size);

/* Parse a specification and enumerate its B-functions: a complete model with
 * zero coefficients and the linear embedding (ace_spec.c).  Errors name the
 * file, line and key. */
aceuq_status ace_model_read_spec_buffer(const char *text, size_t size, const char *name, ace_model **out,
                                        aceuq_error *err);
aceuq_status ace_model_read_spec(const char *path, ace_model **out, aceuq_error *err);

/* A specification or, if the file is not one, any potential file of ace_model_read. */
aceuq_status ace_model_read_basis(const char *path, ace_model **out, aceuq_error *err);

#endif
