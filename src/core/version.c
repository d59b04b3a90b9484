/* version.c -- library version string (from the header's macros). */
#include "aceuq.h"

#define ACEUQ_STR2(x) #x
#define ACEUQ_STR(x) ACEUQ_STR2(x)

const char *aceuq_version(void)
{
  return ACEUQ_STR(ACEUQ_VERSION_MAJOR) "." ACEUQ_STR(ACEUQ_VERSION_MINOR) "." ACEUQ_STR(
      ACEUQ_VERSION_PATCH);
}
