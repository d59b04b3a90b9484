/* ace_test_inputs.h -- small hand-written ACE potentials for the reader
 * tests: valid inputs whose content is known by construction, and a helper
 * that derives malformed variants by text replacement. */
#ifndef ACEUQ_ACE_TEST_INPUTS_H
#define ACEUQ_ACE_TEST_INPUTS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two elements; Al-Ni bond given once (flat radcoefficients, k outermost;
 * "Ni Al" takes it, and with the core-repulsion also r_in, delta_in and
 * inner_cutoff_type, as ML-PACE does), Ni-Ni flat, Al-Al nested; scalar and
 * list c; short lint forms; the same inner_cutoff_type in every 1- and
 * 2-species block, as ML-PACE requires. */
static const char ace_test_yaml[] =
  "metadata: {user: test}\n"
  "global:\n"
  "  DeltaSplineBins: 0.001\n"
  "species:\n"
  "  - speciesblock: Al\n"
  "    ndensityi: 1\n"
  "    npoti: FinnisSinclair\n"
  "    parameters: [1.0, 1.0]\n"
  "    nradmaxi: 2\n"
  "    lmaxi: 1\n"
  "    nradbaseij: 2\n"
  "    radbase: ChebExpCos\n"
  "    radparameters: [3.0]\n"
  "    radcoefficients: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]\n"
  "    rcutij: 5.0\n"
  "    dcutij: 0.01\n"
  "    inner_cutoff_type: distance\n"
  "    nbody:\n"
  "      - {type: Al Al, nr: [1], nl: [0], c: [1.5]}\n"
  "      - {type: Al Al Al, nr: [1, 2], nl: [1, 1], c: 2.5}\n"
  "      - {type: Al Al Al Al, nr: [1, 1, 2], nl: [1, 1, 0], c: [0.5]}\n"
  "      - {type: Al Al Al Al Al, nr: [1, 1, 1, 1], nl: [1, 1, 1, 1], lint: [2], c: [0.25]}\n"
  "  - speciesblock: Ni\n"
  "    ndensityi: 2\n"
  "    npoti: FinnisSinclairShiftedScaled\n"
  "    parameters: [1, 1, 1, 0.5]\n"
  "    rho_core_cut: 50\n"
  "    drho_core_cut: 5\n"
  "    nradmaxi: 1\n"
  "    lmaxi: 0\n"
  "    nradbaseij: 3\n"
  "    radbase: SBessel\n"
  "    radparameters: [1.0]\n"
  "    radcoefficients: [1, 2, 3]\n"
  "    rcutij: 4.5\n"
  "    dcutij: 0.02\n"
  "    core-repulsion: [10, 2]\n"
  "    inner_cutoff_type: distance\n"
  "    nbody:\n"
  "      - {type: Ni Ni, nr: [3], nl: [0], c: [1, 2]}\n"
  "  - speciesblock: Al Ni\n"
  "    nradmaxi: 1\n"
  "    lmaxi: 1\n"
  "    nradbaseij: 2\n"
  "    radbase: ChebPow\n"
  "    radparameters: [2.0]\n"
  "    radcoefficients: [1, 2, 3, 4]\n"
  "    rcutij: 6.0\n"
  "    dcutij: 0.01\n"
  "    r_in: 1.0\n"
  "    delta_in: 0.5\n"
  "    inner_cutoff_type: distance\n"
  "    core-repulsion: [3, 1.5]\n"
  "    nbody:\n"
  "      - {type: Al Ni, nr: [2], nl: [0], c: 3.5}\n"
  "      - {type: Al Al Ni, nr: [1, 1], nl: [1, 1], c: [4.5], skip: true}\n"
  "  - speciesblock: Ni Al\n"
  "    nbody:\n"
  "      - {type: Ni Al Ni, nr: [1, 1], nl: [0, 0], c: [1, -1]}\n";

static const char ace_test_yace[] =
  "elements: [Al, Ni]\n"
  "E0: [-1.5, 2.5]\n"
  "deltaSplineBins: 0.002\n"
  "embeddings:\n"
  "  0: {ndensity: 1, FS_parameters: [1, 1], npoti: FinnisSinclair, rho_core_cutoff: 100000, drho_core_cutoff: 250}\n"
  "  1: {ndensity: 2, FS_parameters: [1, 1, 1, 0.5], npoti: FinnisSinclairShiftedScaled, rho_core_cutoff: 5, drho_core_cutoff: 1}\n"
  "bonds:\n"
  "  [0, 0]: {nradmax: 1, lmax: 1, nradbasemax: 2, radbasename: ChebExpCos, radparameters: [3], radcoefficients: [[[1, 2], [3, 4]]], prehc: 0, lambdahc: 0, rcut: 5, dcut: 0.01, rcut_in: 0, dcut_in: 0, inner_cutoff_type: distance}\n"
  "  [0, 1]: {nradmax: 1, lmax: 0, nradbasemax: 1, radbasename: ChebPow, radparameters: [2], radcoefficients: [[[5]]], prehc: 1, lambdahc: 2, rcut: 6, dcut: 0.01, rcut_in: 1, dcut_in: 0.5, inner_cutoff_type: distance}\n"
  "  [1, 0]: {nradmax: 1, lmax: 0, nradbasemax: 1, radbasename: ChebPow, radparameters: [2], radcoefficients: [[[5]]], prehc: 1, lambdahc: 2, rcut: 6, dcut: 0.01, rcut_in: 1, dcut_in: 0.5, inner_cutoff_type: distance}\n"
  "  [1, 1]: {nradmax: 1, lmax: 0, nradbasemax: 1, radbasename: SBessel, radparameters: [1], radcoefficients: [[[7]]], prehc: 0, lambdahc: 0, rcut: 4.5, dcut: 0.02, inner_cutoff_type: distance}\n"
  "functions:\n"
  "  0:\n"
  "    - {mu0: 0, rank: 2, ndensity: 1, num_ms_combs: 2, mus: [0, 0], ns: [1, 1], ls: [1, 1], ms_combs: [0, 0, 1, -1], ctildes: [-0.5, 1.0]}\n"
  "    - {mu0: 0, rank: 1, ndensity: 1, num_ms_combs: 1, mus: [0], ns: [2], ls: [0], ms_combs: [0], ctildes: [1.25]}\n"
  "  1:\n"
  "    - {mu0: 1, rank: 1, ndensity: 2, num_ms_combs: 1, mus: [0], ns: [1], ls: [0], ms_combs: [0], ctildes: [1, 2]}\n";

/* copy of base with the first occurrence of old replaced by new (old must
 * occur: the test aborts otherwise); *line = 1-based line where it starts */
static inline char *ace_test_variant(const char *base, const char *old, const char *new_text, int *line)
{
  const char *at = strstr(base, old);
  if (!at) {
    fprintf(stderr, "test bug: '%s' not in the base input\n", old);
    exit(2);
  }
  size_t pre = (size_t)(at - base), ol = strlen(old), nl = strlen(new_text), rest = strlen(at + ol);
  char *s = malloc(pre + nl + rest + 1);
  memcpy(s, base, pre);
  memcpy(s + pre, new_text, nl);
  memcpy(s + pre + nl, at + ol, rest + 1);
  if (line) {
    *line = 1;
    for (size_t i = 0; i < pre; ++i) *line += base[i] == '\n';
  }
  return s;
}

#endif
