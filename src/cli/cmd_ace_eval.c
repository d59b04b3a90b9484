/* cmd_ace_eval.c -- `aceuq eval pot.(yaml|yace) config.xyz [--frame N]
 * [--projections linear|nonlinear|none] [--asi pot.asi]`: energies, forces,
 * virial, projections and extrapolation grades of one extended-XYZ frame as
 * JSON, with the field names and meaning of the reference data (LAMMPS metal
 * units):
 *   energy, energies[i], forces[i][3] (F_i = -dE/dr_i),
 *   virial [xx, yy, zz, xy, xz, yz] with W_ab = sum_i sum_j (r_i - r_j)_a f_ij,b
 *   (LAMMPS pair->virial), projections[i][K];
 *   with --asi: gamma[i], max_gamma, gamma_roundoff_scale[i] (the projections
 *   are then of the active set's kind); with --asil (local model):
 *   gamma_local[i], cluster[i]; with --posterior NAME.posterior.npz [--members
 *   bayes|pops|committee] (default: pops when the file has them, else bayes):
 *   spread {members, count, energy_std/rms/lo/hi[i], total_std/rms/lo/hi} of
 *   the members' energies around this potential's (aceuq_spread_*: per atom
 *   from b(i) . d_s, the total from the summed projections), for POPS members with the
 *   posterior's covariance also energy_std_epi[i] = sqrt(b(i)' Sigma_epi b(i)), energy_std_pops[i] = sqrt(rms^2 +
 *   b' Sigma_epi b) and total_std_epi / total_std_pops from the summed projections; force_std[i] =
 *   sqrt(mean_s |dF_i,s - mean dF_i|^2) and max_force_std; --member-values adds
 *   every member's deviations member_energy_deviations[i][s] and
 *   member_force_deviations[i][3 s + a] (member s = this potential + them);
 *   --force-precision single computes the members' force deviations in float
 *   (as the pair style's spread_precision single; default double).
 * Periodicity follows the frame's pbc flags and cell (a slab keeps its
 * in-plane periodicity); frames without a cell are clusters. */
#include "cli.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
  fprintf(stderr, "usage: aceuq eval pot.(yaml|yace) config.xyz [--frame N] "
                  "[--projections none|linear|nonlinear] [--asi pot.asi] [--asil pot.asil]\n"
                  "       [--posterior NAME.posterior.npz [--members bayes|pops|committee] [--member-values]\n"
                  "        [--force-precision double|single]]\n");
}

static void print_array(const double *v, size_t n)
{
  putchar('[');
  for (size_t k = 0; k < n; ++k) printf("%s%.17g", k ? ", " : "", v[k]);
  putchar(']');
}

/* species index of every atom; -1 and a message for an unknown element */
static int map_species(const aceuq_potential *pot, const char *potfile, const aceuq_frame *f, const char *xyz,
                       int *mu)
{
  for (size_t i = 0; i < f->natoms; ++i) {
    mu[i] = aceuq_potential_element_index(pot, f->species[i]);
    if (mu[i] < 0) {
      fprintf(stderr, "aceuq: %s: atom %zu is %s, which the potential %s does not have\n", xyz, i + 1,
              f->species[i], potfile);
      return -1;
    }
  }
  return 0;
}

typedef struct eval_result {
  double energy, virial[6];
  double *energies, *forces, *proj;
  size_t nproj_max;
  const aceuq_spread *spread; /* with force spreads: member force deviations */
  double *member_forces;      /* natoms x members x 3: dF_i,s */
  float *member_forces_f;     /* single precision: the same summed in float (as the pair style does),
                               * converted into member_forces after the frame; else NULL */
} eval_result;

static int evaluate_frame(const aceuq_potential *pot, const aceuq_frame *f, const int *mu,
                          aceuq_projection_kind kind, eval_result *res)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_neighbor_list *nl = NULL;
  aceuq_workspace *ws = NULL;
  int rc = 1;
  int *mu_j = NULL, *row = NULL;
  double *rij = NULL, *dE = NULL;
  /* with force spreads: the members' force deviations summed by the core into res->member_forces
   * (rows of the neighbours' atoms), the forces from the same pass */
  const size_t M = res->spread ? aceuq_spread_members(res->spread) : 0;
  int pbc[3] = {0, 0, 0};
  if (f->has_cell) memcpy(pbc, f->pbc, sizeof pbc);
  if (M && f->natoms > (size_t)INT_MAX) {
    fprintf(stderr, "aceuq: force spreads: %zu atoms in one frame, at most %d\n", f->natoms, INT_MAX);
    goto done;
  }
  if (aceuq_neighbor_list_build(f->natoms, f->positions, f->has_cell ? f->cell : NULL, pbc,
                                aceuq_potential_cutoff(pot, -1, -1), &nl, &err) != ACEUQ_OK ||
      aceuq_workspace_create(pot, &ws, &err) != ACEUQ_OK) {
    cli_report("neighbours", &err);
    goto done;
  }
  for (size_t i = 0; i < f->natoms; ++i) {
    const size_t *index;
    const double *disp;
    const size_t n = aceuq_neighbor_list_get(nl, i, &index, &disp, NULL);
    void *a = realloc(mu_j, (n ? n : 1) * sizeof *mu_j), *b = realloc(rij, (n ? 3 * n : 3) * sizeof *rij);
    if (a) mu_j = a;
    if (b) rij = b;
    void *c = realloc(dE, (n ? 3 * n : 3) * sizeof *dE), *g = realloc(row, (n ? n : 1) * sizeof *row);
    if (c) dE = c;
    if (g) row = g;
    if (!a || !b || !c || !g) {
      fprintf(stderr, "aceuq: out of memory\n");
      goto done;
    }
    for (size_t k = 0; k < n; ++k) {
      mu_j[k] = mu[index[k]];
      row[k] = (int)index[k];
    }
    memcpy(rij, disp, 3 * n * sizeof *rij);
    double e;
    double *proj = kind != ACEUQ_PROJECTIONS_NONE ? &res->proj[i * res->nproj_max] : NULL;
    if (aceuq_evaluate_atom(pot, ws, mu[i], n, mu_j, rij, &e, M ? NULL : dE, kind, proj, &err) != ACEUQ_OK) {
      char ctx[64];
      snprintf(ctx, sizeof ctx, "atom %zu", i + 1);
      cli_report(ctx, &err);
      goto done;
    }
    if (M && (res->member_forces_f ? aceuq_spread_forces_float(res->spread, ws, mu[i], n, row, (int)i,
                                                                res->member_forces_f, dE, &err)
                                   : aceuq_spread_forces(res->spread, ws, mu[i], n, row, (int)i, res->member_forces,
                                                         dE, &err)) != ACEUQ_OK) {
      cli_report("force spreads", &err);
      goto done;
    }
    res->energies[i] = e;
    res->energy += e;
    for (size_t k = 0; k < n; ++k) {
      const double *d = &dE[3 * k], *r = &rij[3 * k];
      for (int a = 0; a < 3; ++a) {
        res->forces[3 * i + a] += d[a];
        res->forces[3 * index[k] + a] -= d[a];
      }
      /* (x_i - x_j)_a F_ij,b with x_i - x_j = -r_ij */
      res->virial[0] -= r[0] * d[0];
      res->virial[1] -= r[1] * d[1];
      res->virial[2] -= r[2] * d[2];
      res->virial[3] -= r[0] * d[1];
      res->virial[4] -= r[0] * d[2];
      res->virial[5] -= r[1] * d[2];
    }
  }
  for (size_t k = 0; res->member_forces_f && k < f->natoms * 3 * M; ++k)
    res->member_forces[k] = res->member_forces_f[k];
  rc = 0;
done:
  free(mu_j);
  free(rij);
  free(dE);
  free(row);
  aceuq_workspace_free(ws);
  aceuq_neighbor_list_free(nl);
  return rc;
}

/* Every per-atom uncertainty the loaded files give (the core's engine, as the pair style): per
 * species the atoms' rows gathered, one aceuq_uq_evaluate, scattered back.  Outputs NULL when the
 * file is absent; dev is natoms x members; epi (NULL: not asked for) the epistemic variances. */
static int compute_uncertainties(const aceuq_potential *pot, const aceuq_activeset *as, const aceuq_localset *ls,
                                 const aceuq_spread *spread, size_t natoms, const int *mu, const eval_result *res,
                                 double *gamma, double *scale, double *gamma_local, int *cluster, double *dev,
                                 double *epi)
{
  const int nel = aceuq_potential_num_elements(pot);
  const size_t M = spread ? aceuq_spread_members(spread) : 0, na = natoms ? natoms : 1;
  aceuq_error err;
  aceuq_error_clear(&err);
  double *rows = malloc(na * (res->nproj_max ? res->nproj_max : 1) * sizeof *rows);
  double *g = malloc(4 * na * sizeof *g), *d = malloc(na * (M ? M : 1) * sizeof *d);
  int *cl = malloc(na * sizeof *cl);
  size_t *atom = malloc(na * sizeof *atom);
  aceuq_uq_engine *eng = NULL;
  const aceuq_projection_kind kind = as ? aceuq_activeset_kind(as) : ls ? aceuq_localset_kind(ls)
                                                                       : ACEUQ_PROJECTIONS_LINEAR;
  int rc = 1;
  if (!rows || !g || !d || !cl || !atom) {
    fprintf(stderr, "aceuq: out of memory\n");
    goto done;
  }
  if (aceuq_uq_engine_create_from_sets(pot, as, ls, spread, &eng, &err) != ACEUQ_OK) {
    cli_report("uncertainties", &err);
    goto done;
  }
  for (int e = 0; e < nel; ++e) {
    const size_t K = aceuq_potential_projection_size(pot, e, kind);
    size_t n = 0;
    for (size_t i = 0; i < natoms; ++i)
      if (mu[i] == e) {
        memcpy(&rows[n * K], &res->proj[i * res->nproj_max], K * sizeof *rows);
        atom[n++] = i;
      }
    const aceuq_uq_block out = {as ? g : NULL, as ? g + na : NULL, ls ? g + 2 * na : NULL, ls ? cl : NULL,
                                spread ? d : NULL, epi ? g + 3 * na : NULL};
    if (n && aceuq_uq_evaluate(eng, e, n, rows, &out, &err) != ACEUQ_OK) {
      cli_report("uncertainties", &err);
      goto done;
    }
    for (size_t r = 0; r < n; ++r) {
      if (as) {
        gamma[atom[r]] = g[r];
        scale[atom[r]] = g[na + r];
      }
      if (ls) {
        gamma_local[atom[r]] = g[2 * na + r];
        cluster[atom[r]] = cl[r];
      }
      if (spread) memcpy(&dev[atom[r] * M], &d[r * M], M * sizeof *dev);
      if (epi) epi[atom[r]] = g[3 * na + r];
    }
  }
  rc = 0;
done:
  aceuq_uq_engine_free(eng);
  free(rows);
  free(g);
  free(d);
  free(cl);
  free(atom);
  return rc;
}

int cli_cmd_ace_eval(int argc, char **argv)
{
  const char *pot = NULL, *xyz = NULL, *asi = NULL, *asil = NULL, *posterior = NULL, *members = NULL;
  long frame = 0;
  int member_values = 0;
  aceuq_force_precision force_precision = ACEUQ_FORCES_DOUBLE;
  const char *precision_arg = NULL;
  aceuq_projection_kind kind = ACEUQ_PROJECTIONS_LINEAR;
  int kind_given = 0;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--frame") && i + 1 < argc) frame = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--asi") && i + 1 < argc) asi = argv[++i];
    else if (!strcmp(argv[i], "--asil") && i + 1 < argc) asil = argv[++i];
    else if (!strcmp(argv[i], "--posterior") && i + 1 < argc) posterior = argv[++i];
    else if (!strcmp(argv[i], "--members") && i + 1 < argc) members = argv[++i];
    else if (!strcmp(argv[i], "--member-values")) member_values = 1;
    else if (!strcmp(argv[i], "--force-precision") && i + 1 < argc) {
      precision_arg = argv[++i];
      if (!strcmp(precision_arg, "single")) force_precision = ACEUQ_FORCES_SINGLE;
      else if (strcmp(precision_arg, "double")) {
        fprintf(stderr, "aceuq: --force-precision must be double or single, got %s\n", precision_arg);
        return 2;
      }
    }
    else if (!strcmp(argv[i], "--projections") && i + 1 < argc) {
      const char *k = argv[++i];
      kind_given = 1;
      if (!strcmp(k, "none")) kind = ACEUQ_PROJECTIONS_NONE;
      else if (!strcmp(k, "linear")) kind = ACEUQ_PROJECTIONS_LINEAR;
      else if (!strcmp(k, "nonlinear")) kind = ACEUQ_PROJECTIONS_NONLINEAR;
      else { usage(); return 2; }
    } else if (argv[i][0] == '-' && argv[i][1] == '-') { usage(); return 2; }
    else if (!pot) pot = argv[i];
    else if (!xyz) xyz = argv[i];
    else { usage(); return 2; }
  }
  if (!pot || !xyz || ((members || member_values || precision_arg) && !posterior)) { usage(); return 2; }

  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_potential *potential = NULL;
  aceuq_frame *frames = NULL;
  size_t nframes = 0;
  if (aceuq_potential_load(pot, &potential, &err) != ACEUQ_OK) return cli_report(pot, &err);
  cli_print_notes(potential);
  if (aceuq_extxyz_read_file(xyz, &frames, &nframes, &err) != ACEUQ_OK) {
    aceuq_potential_free(potential);
    return cli_report(xyz, &err);
  }
  aceuq_activeset *as = NULL;
  aceuq_localset *ls = NULL;
  aceuq_posterior *post = NULL;
  aceuq_spread *spread = NULL;
  const char *spread_kind = NULL;
  double *sp_out = NULL;
  double *gamma = NULL, *scale = NULL, *gamma_local = NULL, *member_dev = NULL, *epi_var = NULL;
  int *cluster = NULL;
  int rc = 1;
  eval_result res;
  memset(&res, 0, sizeof res);
  int *mu = NULL;
  if (frame < 0) frame += (long)nframes;
  if (frame < 0 || (size_t)frame >= nframes) {
    fprintf(stderr, "aceuq: %s: frame %ld does not exist (%zu frames)\n", xyz, frame, nframes);
    goto done;
  }
  const aceuq_frame *f = &frames[frame];
  if (asi) {
    if (aceuq_activeset_load(asi, potential, &as, &err) != ACEUQ_OK) {
      cli_report(asi, &err);
      goto done;
    }
    if (kind_given && kind != aceuq_activeset_kind(as)) {
      fprintf(stderr, "aceuq: %s is a %s active set; --projections must match it (or be left out)\n", asi,
              aceuq_activeset_kind(as) == ACEUQ_PROJECTIONS_LINEAR ? "linear" : "non-linear");
      goto done;
    }
    kind = aceuq_activeset_kind(as);
  }
  if (asil) {
    if (aceuq_localset_load(asil, potential, &ls, &err) != ACEUQ_OK) {
      cli_report(asil, &err);
      goto done;
    }
    if ((as || kind_given) && kind != aceuq_localset_kind(ls)) {
      fprintf(stderr, "aceuq: %s is a %s local model; --asi/--projections must be of the same kind\n", asil,
              aceuq_localset_kind(ls) == ACEUQ_PROJECTIONS_LINEAR ? "linear" : "non-linear");
      goto done;
    }
    kind = aceuq_localset_kind(ls);
  }
  if (posterior) { /* spreads need the linear projections */
    if (kind != ACEUQ_PROJECTIONS_LINEAR && (kind_given || as || ls)) {
      fprintf(stderr, "aceuq: --posterior needs linear projections (the active sets / --projections are not)\n");
      goto done;
    }
    kind = ACEUQ_PROJECTIONS_LINEAR;
    if (aceuq_posterior_load(posterior, potential, &post, &err) != ACEUQ_OK) {
      cli_report("eval", &err);
      goto done;
    }
    static const char *const kinds[3] = {"bayes", "pops", "committee"};
    int k = -1;
    if (members) {
      for (int q = 0; q < 3; ++q)
        if (!strcmp(members, kinds[q])) k = q;
      if (k < 0) {
        fprintf(stderr, "aceuq: --members must be bayes, pops or committee, got %s\n", members);
        goto done;
      }
    } else k = aceuq_posterior_num_members(post, ACEUQ_MEMBERS_POPS) ? 1 : 0;
    spread_kind = kinds[k];
    if (aceuq_spread_create(post, potential, (aceuq_member_kind)k, &spread, &err) != ACEUQ_OK ||
        aceuq_spread_enable_forces(spread, force_precision, &err) != ACEUQ_OK) {
      cli_report(posterior, &err);
      goto done;
    }
    res.spread = spread;
  }
  if (aceuq_potential_projection_size(potential, 0, ACEUQ_PROJECTIONS_LINEAR) == 0) {
    if (kind_given && kind != ACEUQ_PROJECTIONS_NONE)
      fprintf(stderr, "aceuq: %s has no B-basis (a .yace file): no projections\n", pot);
    kind = ACEUQ_PROJECTIONS_NONE;
  }
  for (int e = 0; e < aceuq_potential_num_elements(potential); ++e) {
    size_t k = aceuq_potential_projection_size(potential, e, kind);
    if (k > res.nproj_max) res.nproj_max = k;
  }
  const size_t n = f->natoms ? f->natoms : 1;
  mu = calloc(n, sizeof *mu);
  res.energies = calloc(n, sizeof *res.energies);
  res.forces = calloc(3 * n, sizeof *res.forces);
  res.proj = calloc(n * (res.nproj_max ? res.nproj_max : 1), sizeof *res.proj);
  gamma = calloc(n, sizeof *gamma);
  scale = calloc(n, sizeof *scale);
  gamma_local = calloc(n, sizeof *gamma_local);
  cluster = calloc(n, sizeof *cluster);
  if (spread) res.member_forces = calloc(n * 3 * aceuq_spread_members(spread), sizeof *res.member_forces);
  if (spread && force_precision == ACEUQ_FORCES_SINGLE)
    res.member_forces_f = calloc(n * 3 * aceuq_spread_members(spread), sizeof *res.member_forces_f);
  const int rows_missing =
      spread && (!res.member_forces || (force_precision == ACEUQ_FORCES_SINGLE && !res.member_forces_f));
  if (rows_missing || !mu || !res.energies || !res.forces || !res.proj || !gamma || !scale || !gamma_local || !cluster) {
    fprintf(stderr, "aceuq: out of memory\n");
    goto done;
  }
  if (map_species(potential, pot, f, xyz, mu) != 0 || evaluate_frame(potential, f, mu, kind, &res) != 0)
    goto done;
  /* POPS members: also the epistemic variances (POPS's full std) */
  const int with_epi = spread && !strcmp(spread_kind, "pops") && aceuq_spread_has_covariance(spread);
  if (spread) {
    member_dev = calloc(n * aceuq_spread_members(spread), sizeof *member_dev);
    if (with_epi) epi_var = calloc(n, sizeof *epi_var);
    if (!member_dev || (with_epi && !epi_var)) {
      fprintf(stderr, "aceuq: out of memory\n");
      goto done;
    }
  }
  if ((as || ls || spread) && compute_uncertainties(potential, as, ls, spread, f->natoms, mu, &res, gamma, scale,
                                                    gamma_local, cluster, member_dev, epi_var) != 0)
    goto done;

  printf("{\"potential\": \"%s\", \"config\": \"%s\", \"natoms\": %zu, \"energy\": %.17g,\n", pot, xyz,
         f->natoms, res.energy);
  printf(" \"virial_order\": [\"xx\", \"yy\", \"zz\", \"xy\", \"xz\", \"yz\"], \"virial\": ");
  print_array(res.virial, 6);
  printf(",\n \"energies\": ");
  print_array(res.energies, f->natoms);
  printf(",\n \"forces\": [");
  for (size_t i = 0; i < f->natoms; ++i) {
    printf("%s", i ? ", " : "");
    print_array(&res.forces[3 * i], 3);
  }
  printf("]");
  if (kind != ACEUQ_PROJECTIONS_NONE) {
    printf(",\n \"projections\": [");
    for (size_t i = 0; i < f->natoms; ++i) {
      printf("%s", i ? ",\n  " : "");
      print_array(&res.proj[i * res.nproj_max], aceuq_potential_projection_size(potential, mu[i], kind));
    }
    printf("]");
  }
  if (as) {
    double gmax = 0.0;
    for (size_t i = 0; i < f->natoms; ++i)
      if (!(gamma[i] <= gmax)) gmax = gamma[i];
    printf(",\n \"active_set\": \"%s\", \"max_gamma\": %.17g,\n \"gamma\": ", asi, gmax);
    print_array(gamma, f->natoms);
    printf(",\n \"gamma_roundoff_scale\": ");
    print_array(scale, f->natoms);
  }
  if (ls) {
    printf(",\n \"local_model\": \"%s\", \"gamma_local\": ", asil);
    print_array(gamma_local, f->natoms);
    printf(",\n \"cluster\": [");
    for (size_t i = 0; i < f->natoms; ++i) printf("%s%d", i ? ", " : "", cluster[i]);
    printf("]");
  }
  if (spread) { /* per atom and the total of the frame */
    const size_t M = aceuq_spread_members(spread), na = f->natoms, K = aceuq_posterior_size(post);
    sp_out = calloc(4 * (na ? na : 1) + M + K + 4, sizeof *sp_out);
    if (!sp_out) {
      fprintf(stderr, "aceuq: out of memory\n");
      goto done;
    }
    double *sd = sp_out, *rms = sd + na, *lo = rms + na, *hi = lo + na, *x = hi + na + M;
    for (size_t i = 0; i < na; ++i) { /* per atom from its deviations; x = the summed projections */
      aceuq_spread_reduce(&member_dev[i * M], M, &sd[i], &rms[i], &lo[i], &hi[i]);
      const double *b = &res.proj[i * res.nproj_max];
      size_t off = 0;
      for (int e = 0; e < mu[i]; ++e) off += aceuq_potential_projection_size(potential, e, ACEUQ_PROJECTIONS_LINEAR);
      for (size_t q = 0; q < aceuq_potential_projection_size(potential, mu[i], ACEUQ_PROJECTIONS_LINEAR); ++q)
        x[off + q] += b[q];
    }
    double t[4];
    if (aceuq_spread_total(spread, x, &t[0], &t[1], &t[2], &t[3], &err) != ACEUQ_OK) {
      cli_report("spread", &err);
      goto done;
    }
    printf(",\n \"spread\": {\"posterior\": \"%s\", \"members\": \"%s\", \"count\": %zu,\n  \"energy_std\": ",
           posterior, spread_kind, M);
    print_array(sd, na);
    printf(",\n  \"energy_rms\": ");
    print_array(rms, na);
    printf(",\n  \"energy_lo\": ");
    print_array(lo, na);
    printf(",\n  \"energy_hi\": ");
    print_array(hi, na);
    printf(",\n  \"total_std\": %.17g, \"total_rms\": %.17g, \"total_lo\": %.17g, \"total_hi\": %.17g", t[0], t[1],
           t[2], t[3]);
    if (with_epi) { /* the epistemic part and the full std sqrt(rms^2 + b' Sigma_epi b) */
      double tvar = 0.0, *epi = malloc(2 * (na ? na : 1) * sizeof *epi);
      if (!epi || aceuq_spread_total_epistemic(spread, x, &tvar, &err) != ACEUQ_OK) {
        free(epi);
        if (!err.message[0]) fprintf(stderr, "aceuq: out of memory\n");
        else cli_report("spread", &err);
        goto done;
      }
      for (size_t i = 0; i < na; ++i) {
        epi[i] = sqrt(epi_var[i]);
        epi[na + i] = aceuq_spread_full_std(rms[i], epi_var[i]);
      }
      printf(",\n  \"energy_std_epi\": ");
      print_array(epi, na);
      printf(",\n  \"energy_std_pops\": ");
      print_array(epi + na, na);
      printf(",\n  \"total_std_epi\": %.17g, \"total_std_pops\": %.17g", sqrt(tvar), aceuq_spread_full_std(t[1], tvar));
      free(epi);
    }
    double fmax = 0.0;
    for (size_t i = 0; i < na; ++i) {
      sd[i] = aceuq_spread_force_std(&res.member_forces[i * 3 * M], M);
      if (sd[i] > fmax) fmax = sd[i];
    }
    printf(",\n  \"force_std\": ");
    print_array(sd, na);
    printf(", \"max_force_std\": %.17g", fmax);
    if (member_values) { /* member s: energies E_i + dE_i,s, forces F_i + dF_i,s */
      printf(",\n  \"member_energy_deviations\": [");
      for (size_t i = 0; i < na; ++i) {
        printf("%s", i ? ",\n   " : "");
        print_array(&member_dev[i * M], M);
      }
      printf("],\n  \"member_force_deviations\": [");
      double *row = malloc(3 * M * sizeof *row);
      for (size_t i = 0; row && i < na; ++i) { /* [3 s + a] from the [a][s] rows */
        for (size_t s = 0; s < M; ++s)
          for (size_t a = 0; a < 3; ++a) row[3 * s + a] = res.member_forces[(i * 3 + a) * M + s];
        printf("%s", i ? ",\n   " : "");
        print_array(row, 3 * M);
      }
      free(row);
      printf("]");
    }
    printf("}");
  }
  printf("}\n");
  rc = 0;
done:
  free(sp_out);
  aceuq_spread_free(spread);
  aceuq_posterior_free(post);
  free(mu);
  free(res.energies);
  free(res.forces);
  free(res.proj);
  free(res.member_forces);
  free(res.member_forces_f);
  free(gamma);
  free(scale);
  free(gamma_local);
  free(member_dev);
  free(epi_var);
  free(cluster);
  aceuq_activeset_free(as);
  aceuq_localset_free(ls);
  aceuq_frames_free(frames, nframes);
  aceuq_potential_free(potential);
  return rc;
}
