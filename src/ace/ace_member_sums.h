/* ace_member_sums.h -- member_target_sums and member_target_sums_single of ace_members.c, written
 * once for a width of member vectors.  Included by ace_members.c once per instance (no include
 * guard) with MS_VD / MS_VD_LOAD / MS_VD_STORE and MS_LANES (double member vectors), MS_VF /
 * MS_VF_LOAD / MS_VF_STORE and MS_FLOAT_LANES (float member vectors), MS_MAX_VECTORS (the most
 * vectors of one pass, their sums in registers) and MS(name) (this instance's name for `name`); it
 * #undefs them at its end. */

/* W_s(e) = sum over the updates k of target e of h[u_k][s] d_k (d_k at upd_pos[k] of the blocked
 * values d), for the nv * MS_LANES members from c0, in registers (nv <= CHUNK_VECTORS; a constant in
 * each inlined copy); the coefficient rows requested ROWS_AHEAD updates before they are needed. */
static inline __attribute__((always_inline)) void MS(member_target_sums)(const member_species *m, const double *d,
                                                                     size_t Mp, size_t c0, int nv, double *Wr,
                                                                     double *Wi)
{
  for (size_t i = 0; i < m->ntarget; ++i) {
    MS_VD ar[MS_MAX_VECTORS] = {0}, ai[MS_MAX_VECTORS] = {0};
    for (size_t k = m->tfirst[i]; k < m->tfirst[i + 1]; ++k) {
      if (k + ROWS_AHEAD < m->nupd) {
        const double *hn = &m->h[(size_t)m->upd_u[k + ROWS_AHEAD] * Mp + c0];
        for (int v = 0; v < nv; ++v) __builtin_prefetch(hn + v * MS_LANES);
      }
      const double *h = &m->h[(size_t)m->upd_u[k] * Mp + c0];
      const size_t q = (size_t)m->upd_pos[k];
      const double dr = d[q], di = d[m->nval + q];
      for (int v = 0; v < nv; ++v) {
        const MS_VD hv = MS_VD_LOAD(h + v * MS_LANES);
        ar[v] += hv * dr;
        ai[v] += hv * di;
      }
    }
    const size_t e = (size_t)m->target[i] * Mp + c0;
    for (int v = 0; v < nv; ++v) {
      MS_VD_STORE(&Wr[e + (size_t)v * MS_LANES], ar[v]);
      MS_VD_STORE(&Wi[e + (size_t)v * MS_LANES], ai[v]);
    }
  }
}

/* As member_target_sums, for single precision: the nv * MS_FLOAT_LANES members from c0 in float (the
 * update values rounded, f), and with own the own lane in double into Wor, Woi (one per entry). */
static inline __attribute__((always_inline)) void MS(member_target_sums_single)(const member_species *m,
                                                                            const double *d, const float *f,
                                                                            size_t Mf,
                                                                            size_t c0, int nv, int own, float *Wr,
                                                                            float *Wi, double *Wor, double *Woi)
{
  for (size_t i = 0; i < m->ntarget; ++i) {
    MS_VF ar[MS_MAX_VECTORS] = {0}, ai[MS_MAX_VECTORS] = {0};
    double orr = 0.0, oi = 0.0;
    for (size_t k = m->tfirst[i]; k < m->tfirst[i + 1]; ++k) {
      if (k + ROWS_AHEAD < m->nupd) {
        const float *hn = &m->hf[(size_t)m->upd_u[k + ROWS_AHEAD] * Mf + c0];
        for (int v = 0; v < nv; ++v) __builtin_prefetch(hn + v * MS_FLOAT_LANES);
      }
      const size_t u = (size_t)m->upd_u[k];
      const float *h = &m->hf[u * Mf + c0];
      const size_t q = (size_t)m->upd_pos[k];
      const float dr = f[q], di = f[m->nval + q];
      for (int v = 0; v < nv; ++v) {
        const MS_VF hv = MS_VF_LOAD(h + v * MS_FLOAT_LANES);
        ar[v] += hv * dr;
        ai[v] += hv * di;
      }
      if (own) {
        orr += m->h_own[u] * d[q];
        oi += m->h_own[u] * d[m->nval + q];
      }
    }
    const size_t e = (size_t)m->target[i];
    for (int v = 0; v < nv; ++v) {
      MS_VF_STORE(&Wr[e * Mf + c0 + (size_t)v * MS_FLOAT_LANES], ar[v]);
      MS_VF_STORE(&Wi[e * Mf + c0 + (size_t)v * MS_FLOAT_LANES], ai[v]);
    }
    if (own) {
      Wor[e] = orr;
      Woi[e] = oi;
    }
  }
}

#undef MS_VD
#undef MS_VD_LOAD
#undef MS_VD_STORE
#undef MS_LANES
#undef MS_VF
#undef MS_VF_LOAD
#undef MS_VF_STORE
#undef MS_FLOAT_LANES
#undef MS_MAX_VECTORS
#undef MS
