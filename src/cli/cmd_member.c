/* cmd_member.c -- `aceuq member POT.yaml NAME.posterior.npz bayes|pops|committee INDEX -o OUT.yaml`:
 * one member of a fitted potential's posterior as a potential of its own (the same basis, the
 * member's coefficients; with OUT.yaml also its OUT.yace twin), e.g. to run a committee member with
 * pair_style pace or to check a spread by brute force. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static void usage(void)
{
  fprintf(stderr, "usage: aceuq member POT.yaml NAME.posterior.npz bayes|pops|committee INDEX -o OUT.yaml\n");
}

int cli_cmd_member(int argc, char **argv)
{
  const char *pos[4] = {NULL, NULL, NULL, NULL}, *out = NULL;
  int npos = 0;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "-o") && i + 1 < argc) out = argv[++i];
    else if (argv[i][0] != '-' && npos < 4) pos[npos++] = argv[i];
    else return usage(), 2;
  }
  if (npos != 4 || !out) return usage(), 2;
  static const char *const kinds[3] = {"bayes", "pops", "committee"};
  int kind = -1;
  for (int k = 0; k < 3; ++k)
    if (!strcmp(pos[2], kinds[k])) kind = k;
  char *end = NULL;
  const long index = strtol(pos[3], &end, 10);
  if (kind < 0 || *end || index < 0) {
    fprintf(stderr, "aceuq member: expected bayes, pops or committee and an index >= 0, got %s %s\n", pos[2], pos[3]);
    return 2;
  }
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_potential *pot = NULL, *written = NULL;
  aceuq_posterior *post = NULL;
  int rc = 1;
  if (aceuq_potential_load(pos[0], &pot, &err)) {
    rc = cli_report("member", &err);
    goto done;
  }
  if (aceuq_posterior_load(pos[1], pot, &post, &err)) {
    rc = cli_report("member", &err);
    goto done;
  }
  const size_t n = aceuq_posterior_num_members(post, (aceuq_member_kind)kind), K = aceuq_posterior_size(post);
  if ((size_t)index >= n) {
    fprintf(stderr, "aceuq member: %s has %zu %s member%s: index %ld is out of range\n", pos[1], n, kinds[kind],
            n == 1 ? "" : "s", index);
    goto done;
  }
  const double *c = aceuq_posterior_members(post, (aceuq_member_kind)kind) + (size_t)index * K;
  char comment[256];
  snprintf(comment, sizeof comment, "%s member %ld of %s", kinds[kind], index, pos[1]);
  if (aceuq_potential_write_linear_yaml(pot, c, out, comment, &err)) {
    rc = cli_report(out, &err);
    goto done;
  }
  const size_t len = strlen(out);
  if (len > 5 && !strcmp(out + len - 5, ".yaml")) {
    char yace[4200];
    snprintf(yace, sizeof yace, "%.*s.yace", (int)(len - 5), out);
    if (aceuq_potential_load(out, &written, &err) || aceuq_potential_write_yace(written, yace, &err)) {
      rc = cli_report(yace, &err);
      goto done;
    }
  }
  printf("wrote %s (%s member %ld of %zu)\n", out, kinds[kind], index, n);
  rc = 0;
done:
  aceuq_posterior_free(post);
  aceuq_potential_free(written);
  aceuq_potential_free(pot);
  return rc;
}
