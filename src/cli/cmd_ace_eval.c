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
 *   from b(i) . d_s, the total from the summed projections).
 * Periodicity follows the frame's pbc flags and cell (a slab keeps its
 * in-plane periodicity); frames without a cell are clusters. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
  fprintf(stderr, "usage: aceuq eval pot.(yaml|yace) config.xyz [--frame N] "
                  "[--projections none|linear|nonlinear] [--asi pot.asi] [--asil pot.asil]\n"
                  "       [--posterior NAME.posterior.npz [--members bayes|pops|committee]]\n");
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
} eval_result;

static int evaluate_frame(const aceuq_potential *pot, const aceuq_frame *f, const int *mu,
                          aceuq_projection_kind kind, eval_result *res)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_neighbor_list *nl = NULL;
  aceuq_workspace *ws = NULL;
  int rc = 1;
  int *mu_j = NULL;
  double *rij = NULL, *dE = NULL;
  int pbc[3] = {0, 0, 0};
  if (f->has_cell) memcpy(pbc, f->pbc, sizeof pbc);
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
    void *c = realloc(dE, (n ? 3 * n : 3) * sizeof *dE);
    if (c) dE = c;
    if (!a || !b || !c) {
      fprintf(stderr, "aceuq: out of memory\n");
      goto done;
    }
    for (size_t k = 0; k < n; ++k) mu_j[k] = mu[index[k]];
    memcpy(rij, disp, 3 * n * sizeof *rij);
    double e;
    double *proj = kind != ACEUQ_PROJECTIONS_NONE ? &res->proj[i * res->nproj_max] : NULL;
    if (aceuq_evaluate_atom(pot, ws, mu[i], n, mu_j, rij, &e, dE, kind, proj, &err) != ACEUQ_OK) {
      char ctx[64];
      snprintf(ctx, sizeof ctx, "atom %zu", i + 1);
      cli_report(ctx, &err);
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
  rc = 0;
done:
  free(mu_j);
  free(rij);
  free(dE);
  aceuq_workspace_free(ws);
  aceuq_neighbor_list_free(nl);
  return rc;
}

/* gamma and its round-off scale for every atom: one batch per species */
static int compute_grades(const aceuq_potential *pot, const aceuq_activeset *as, size_t natoms, const int *mu,
                          const eval_result *res, double *gamma, double *scale)
{
  size_t max_k = 1;
  for (int e = 0; e < aceuq_potential_num_elements(pot); ++e)
    if (aceuq_activeset_size(as, e) > max_k) max_k = aceuq_activeset_size(as, e);
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_grade_workspace *ws = NULL;
  double *rows = malloc((natoms ? natoms : 1) * max_k * sizeof *rows);
  double *g = malloc((natoms ? natoms : 1) * 2 * sizeof *g);
  size_t *atom = malloc((natoms ? natoms : 1) * sizeof *atom);
  int rc = 1;
  if (!rows || !g || !atom || aceuq_grade_workspace_create(max_k, &ws, &err) != ACEUQ_OK) {
    cli_report("grades", &err);
    goto done;
  }
  for (int e = 0; e < aceuq_potential_num_elements(pot); ++e) {
    const size_t K = aceuq_activeset_size(as, e);
    size_t n = 0;
    for (size_t i = 0; i < natoms; ++i)
      if (mu[i] == e) {
        memcpy(&rows[n * K], &res->proj[i * res->nproj_max], K * sizeof *rows);
        atom[n++] = i;
      }
    if (aceuq_dopt_grade_batch(ws, aceuq_activeset_matrix(as, e), K, rows, n, g, g + n, &err) != ACEUQ_OK) {
      cli_report("grades", &err);
      goto done;
    }
    for (size_t r = 0; r < n; ++r) {
      gamma[atom[r]] = g[r];
      scale[atom[r]] = g[n + r];
    }
  }
  rc = 0;
done:
  aceuq_grade_workspace_free(ws);
  free(rows);
  free(g);
  free(atom);
  return rc;
}

/* gamma_local and cluster of every atom with the local model ls (per atom: nearest centroid, then
 * the cluster's inverse; the batching of the pair style is not needed here) */
static int compute_local_grades(const aceuq_potential *pot, const aceuq_localset *ls, size_t natoms, const int *mu,
                                const eval_result *res, double *gamma_local, int *cluster)
{
  aceuq_error err;
  aceuq_error_clear(&err);
  aceuq_grade_workspace *ws = NULL;
  size_t max_k = 1, max_d = 1;
  for (int e = 0; e < aceuq_potential_num_elements(pot); ++e) {
    aceuq_cluster_transform t;
    if (aceuq_localset_transform(ls, e, &t, &err) != ACEUQ_OK) return cli_report("local model", &err);
    if (t.K > max_k) max_k = t.K;
    if (t.d > max_d) max_d = t.d;
  }
  double *work = malloc(max_d * sizeof *work);
  int rc = 1;
  if (!work || aceuq_grade_workspace_create(max_k, &ws, &err) != ACEUQ_OK) {
    cli_report("local grades", &err);
    goto done;
  }
  for (size_t i = 0; i < natoms; ++i) {
    aceuq_cluster_transform t;
    const double *b = &res->proj[i * res->nproj_max];
    if (aceuq_localset_transform(ls, mu[i], &t, &err) != ACEUQ_OK ||
        aceuq_cluster_assign(&t, b, 1, &cluster[i], work, &err) != ACEUQ_OK ||
        aceuq_dopt_grade_batch(ws, aceuq_localset_matrix(ls, mu[i], (size_t)cluster[i]), t.K, b, 1, &gamma_local[i],
                               NULL, &err) != ACEUQ_OK) {
      cli_report("local grades", &err);
      goto done;
    }
  }
  rc = 0;
done:
  free(work);
  aceuq_grade_workspace_free(ws);
  return rc;
}

int cli_cmd_ace_eval(int argc, char **argv)
{
  const char *pot = NULL, *xyz = NULL, *asi = NULL, *asil = NULL, *posterior = NULL, *members = NULL;
  long frame = 0;
  aceuq_projection_kind kind = ACEUQ_PROJECTIONS_LINEAR;
  int kind_given = 0;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--frame") && i + 1 < argc) frame = strtol(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "--asi") && i + 1 < argc) asi = argv[++i];
    else if (!strcmp(argv[i], "--asil") && i + 1 < argc) asil = argv[++i];
    else if (!strcmp(argv[i], "--posterior") && i + 1 < argc) posterior = argv[++i];
    else if (!strcmp(argv[i], "--members") && i + 1 < argc) members = argv[++i];
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
  if (!pot || !xyz || (members && !posterior)) { usage(); return 2; }

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
  double *gamma = NULL, *scale = NULL, *gamma_local = NULL;
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
    if (aceuq_spread_create(post, potential, (aceuq_member_kind)k, &spread, &err) != ACEUQ_OK) {
      cli_report(posterior, &err);
      goto done;
    }
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
  if (!mu || !res.energies || !res.forces || !res.proj || !gamma || !scale || !gamma_local || !cluster) {
    fprintf(stderr, "aceuq: out of memory\n");
    goto done;
  }
  if (map_species(potential, pot, f, xyz, mu) != 0 || evaluate_frame(potential, f, mu, kind, &res) != 0)
    goto done;
  if (as && compute_grades(potential, as, f->natoms, mu, &res, gamma, scale) != 0) goto done;
  if (ls && compute_local_grades(potential, ls, f->natoms, mu, &res, gamma_local, cluster) != 0) goto done;

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
    double *sd = sp_out, *rms = sd + na, *lo = rms + na, *hi = lo + na, *work = hi + na, *x = work + M;
    for (size_t i = 0; i < na; ++i) {
      const double *b = &res.proj[i * res.nproj_max];
      if (aceuq_spread_atoms(spread, mu[i], 1, b, &sd[i], &rms[i], &lo[i], &hi[i], work, &err) != ACEUQ_OK) {
        cli_report("spread", &err);
        goto done;
      }
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
    printf(",\n  \"total_std\": %.17g, \"total_rms\": %.17g, \"total_lo\": %.17g, \"total_hi\": %.17g}", t[0], t[1],
           t[2], t[3]);
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
  free(gamma);
  free(scale);
  free(gamma_local);
  free(cluster);
  aceuq_activeset_free(as);
  aceuq_localset_free(ls);
  aceuq_frames_free(frames, nframes);
  aceuq_potential_free(potential);
  return rc;
}
