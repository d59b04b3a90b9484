/* cli.h -- subcommands of the `aceuq` command-line tool.
 * Each subcommand is `int cmd(int argc, char **argv)` with argv[0] = its
 * name; it returns the process exit status (0 ok, 1 error, 2 usage). */
#ifndef ACEUQ_CLI_H
#define ACEUQ_CLI_H

#include "aceuq.h"

#include <stdio.h>

typedef int (*aceuq_cli_fn)(int argc, char **argv);

typedef struct aceuq_cli_command {
  const char *name;
  aceuq_cli_fn run;
  const char *usage; /* one line: arguments and purpose */
} aceuq_cli_command;

/* Print "aceuq: <context>: <message>" for a failed library call to stderr
 * and return exit status 1. */
int cli_report(const char *context, const aceuq_error *err);

/* Print the reader's notes about a loaded potential (ignored keys, ...) to
 * stderr, one "aceuq: note: ..." line each. */
void cli_print_notes(const aceuq_potential *pot);

int cli_cmd_version(int argc, char **argv);
int cli_cmd_lammps_data(int argc, char **argv);
/* Write frame f as a LAMMPS data file to out (cmd_lammps_data.c): types in the
 * order of elements ("Cu,Ni"; NULL: order of first appearance), --cluster
 * box if cluster.  The first line names the boundary ("boundary p p f;") and
 * the types.  Returns 0, or 1 with a message on stderr. */
int cli_lammps_data_write(const char *src, const aceuq_frame *f, const char *elements, int cluster, FILE *out);
int cli_cmd_label(int argc, char **argv); /* cmd_label.c: label frames with a LAMMPS potential */
int cli_cmd_fit(int argc, char **argv);   /* cmd_fit.c: linear ACE fit with posteriors, .asi/.asil */
int cli_cmd_member(int argc, char **argv); /* cmd_member.c: one posterior member as a potential */
int cli_cmd_ace_info(int argc, char **argv); /* cmd_ace_info.c: summary of an ACE potential or specification */
int cli_cmd_yace(int argc, char **argv);     /* cmd_ace_info.c: write the .yace (C-tilde) form */
int cli_cmd_ace_eval(int argc, char **argv);
int cli_cmd_activeset(int argc, char **argv); /* cmd_activeset.c: build an .asi active set */
/* cmd_quests.c: QUESTS descriptor entropy */
int cli_cmd_descriptors(int argc, char **argv);
int cli_cmd_entropy(int argc, char **argv);
int cli_cmd_delta_entropy(int argc, char **argv);

#endif
