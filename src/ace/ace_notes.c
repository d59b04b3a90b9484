/* ace_notes.c -- list of reader notes (ace_notes.h). */
#include "ace_notes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ace_notes_vadd(ace_notes *n, const char *fmt, va_list ap)
{
  if (n->count == ACE_NOTES_MAX) {
    ++n->dropped;
    return;
  }
  char buf[ACE_NOTE_SIZE];
  vsnprintf(buf, sizeof buf, fmt, ap);
  char **grown = realloc(n->text, (n->count + 1) * sizeof *grown);
  if (!grown) return;
  n->text = grown;
  size_t len = strlen(buf) + 1;
  char *copy = malloc(len);
  if (!copy) return;
  memcpy(copy, buf, len);
  n->text[n->count++] = copy;
}

void ace_notes_add(ace_notes *n, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  ace_notes_vadd(n, fmt, ap);
  va_end(ap);
}

void ace_notes_free(ace_notes *n)
{
  for (size_t i = 0; i < n->count; ++i) free(n->text[i]);
  free(n->text);
  memset(n, 0, sizeof *n);
}
