/* aceuq_main.c -- entry point of the `aceuq` tool: dispatches subcommands. */
#define _POSIX_C_SOURCE 200809L /* setenv, execv (blas_select.h) */
#include "blas_select.h"
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const aceuq_cli_command commands[] = {
  {"version", cli_cmd_version, "                 library version and BLAS configuration"},
  {"descriptors", cli_cmd_descriptors,
   "FILE.xyz... -o OUT.npy [--k 32] [--cutoff 5.0]   QUESTS descriptors of all frames"},
  {"entropy", cli_cmd_entropy,
   "FILE.xyz [--k 32] [--cutoff 5.0] [--bandwidth 0.015]   QUESTS entropy and diversity (JSON)"},
  {"dH", cli_cmd_delta_entropy,
   "TEST.xyz REF.(npy|xyz) [--k 32] [--cutoff 5.0] [--bandwidth 0.015]   per-atom differential entropy (JSON)"},
  {"info", cli_cmd_ace_info, "POT.(yaml|yml|yace)   summary of an ACE potential or basis specification (elements, cutoffs, bases)"},
  {"lammps-data", cli_cmd_lammps_data, "IN.xyz OUT.data [--frame N] [--elements A,B] [--cluster]   extxyz frame -> LAMMPS data file"},
  {"yace", cli_cmd_yace, "POT.(yaml|yace) -o OUT.yace   the potential in ML-PACE's C-tilde format (what pair_style pace reads)"},
  {"label", cli_cmd_label, "FRAMES.xyz... -o OUT.xyz --pair-style \"STYLE ARGS\" --pair-coeff \"ARGS\" [--elements A,B] [--command \"LAMMPS COMMAND\"]... [--lmp PATH] [--keep DIR]   energies, forces, virial of frames from any LAMMPS potential (extxyz)"},
  {"fit", cli_cmd_fit, "BASIS.yaml --train A.xyz... [--test B.xyz...] -o OUT.yaml [--ridge L | --bayes] [--energy-weight 1] [--force-weight 1] [--virial-weight 0] [--weight CONFIG_TYPE=W]... [--samples 32] [--pops-samples 256] [--no-pops] [--committee 0] [--no-activeset] [--local auto|K|none] [--seed 12345] [--threads 1]   linear ACE potential fitted to labelled frames (BASIS: a basis specification or a pacemaker .yaml), with posteriors (Bayesian, POPS, committee) and .asi/.asil"},
  {"member", cli_cmd_member, "POT.yaml NAME.posterior.npz bayes|pops|committee INDEX -o OUT.yaml   one posterior member as a potential of its own"},
  {"eval", cli_cmd_ace_eval, "POT.(yaml|yace) CONFIG.xyz [--frame N] [--projections none|linear|nonlinear] [--asi A.asi] [--asil A.asil]   ACE energies, forces, virial, projections, grades (JSON)"},
  {"activeset", cli_cmd_activeset, "POT.yaml TRAIN.xyz... -o POT.asi [--nonlinear] [--tol 1.01] [--max-iters 300] [--rank-rtol 1e-6] [--batch N] [--refinements 5] [--env-table FILE] [--local K|auto] [--seed 12345] [--threads 1]   D-optimality active set (.asi; with --local also the local .asil) from training structures"},
};
static const size_t n_commands = sizeof commands / sizeof commands[0];

static void print_usage(FILE *out)
{
  fprintf(out, "usage: aceuq <command> [arguments]\n       aceuq --version | --help\n\ncommands:\n");
  for (size_t i = 0; i < n_commands; ++i)
    fprintf(out, "  %s %s\n", commands[i].name, commands[i].usage);
  fprintf(out, "  blas-kernels            the OPENBLAS_CORETYPE to export before starting LAMMPS (empty: none needed)\n");
}

int cli_report(const char *context, const aceuq_error *err)
{
  fprintf(stderr, "aceuq: %s: %s\n", context,
          err && err->message[0] ? err->message : "unknown error");
  return 1;
}

void cli_print_notes(const aceuq_potential *pot)
{
  for (size_t i = 0; i < aceuq_potential_num_notes(pot); ++i)
    fprintf(stderr, "aceuq: note: %s\n", aceuq_potential_note(pot, i));
  if (aceuq_potential_notes_dropped(pot))
    fprintf(stderr, "aceuq: note: ... and %zu more notes\n", aceuq_potential_notes_dropped(pot));
}

int cli_cmd_version(int argc, char **argv)
{
  (void)argv;
  if (argc != 1) {
    fprintf(stderr, "usage: aceuq version\n");
    return 2;
  }
  char blas[512];
  aceuq_blas_info(blas, sizeof blas);
  printf("aceuq %s\nBLAS/LAPACK: %s (threads: %d)\n", aceuq_version(), blas,
         aceuq_blas_get_threads());
  return 0;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  /* for build/lmp: the OPENBLAS_CORETYPE to export before starting LAMMPS (empty: none needed) */
  if (!strcmp(argv[1], "blas-kernels")) {
    const char *core = aceuq_blas_preferred_coretype();
    printf("%s\n", core ? core : "");
    return 0;
  }
  aceuq_select_blas_kernels(argv);
  if (!strcmp(argv[1], "--version")) {
    printf("aceuq %s\n", aceuq_version());
    return 0;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    print_usage(stdout);
    return 0;
  }
  for (size_t i = 0; i < n_commands; ++i)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "aceuq: unknown command '%s'\n", argv[1]);
  print_usage(stderr);
  return 2;
}
