/* ace_notes.h -- notes a reader leaves about a file it accepted (values it
 * ignored, conventions it applied), for the caller to show to the user.
 * The library never prints; the plugin logs them, `aceuq info` lists them.
 * At most ACE_NOTES_MAX notes are kept; further ones are only counted. */
#ifndef ACEUQ_ACE_NOTES_H
#define ACEUQ_ACE_NOTES_H

#include "error_internal.h"

#include <stdarg.h>
#include <stddef.h>

#define ACE_NOTES_MAX 64
#define ACE_NOTE_SIZE 512

typedef struct ace_notes {
  size_t count;   /* notes kept, <= ACE_NOTES_MAX */
  size_t dropped; /* notes beyond ACE_NOTES_MAX */
  char **text;    /* [count], each malloc'ed */
} ace_notes;

/* Append a printf-style note; out of memory only drops the note. */
void ace_notes_add(ace_notes *n, const char *fmt, ...) ACEUQ_PRINTF(2, 3);
void ace_notes_vadd(ace_notes *n, const char *fmt, va_list ap);
void ace_notes_free(ace_notes *n);

#endif
