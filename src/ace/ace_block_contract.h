/* ace_block_contract.h -- block_areas, block_contract and block_gradients of ace_evaluator.c,
 * written once for the number type of a gathered block of neighbours.  Included by
 * ace_evaluator.c once per instance (no include guard) with NB_REAL (double or float: the block,
 * the weights and the sums), NB_LANES (the neighbours of a block, one NB_VEC), NB_VEC /
 * NB_VEC_LOAD (the vector type and its loader), NB(name) (this instance's name for `name`),
 * NB_MASK (integer vector of NB_LANES shuffle indices), NB_LANE_LIST(F, x) ({F(0, x), ...,
 * F(NB_LANES - 1, x)}), NB(store_as_double)(double *dst, NB_VEC v) (the NB_LANES values of v
 * as doubles) and NB_FLOAT_ROWS (1: the sinks may have float rows, grad_sink.outf; float instance
 * only); it #undefs them at its end.  With NB_CONTRACT_ONLY only block_contract, reading rows of
 * NB_STRIDE values (a part of a wider block: NB_LANES of its lanes; NB_MASK, NB_LANE_LIST,
 * store_as_double and NB_FLOAT_ROWS are then not needed).  With NB_HALF(name) (such an instance for
 * half of this one's lanes, vector type NB_HALF_VEC) block_gradients contracts in two halves on
 * CPUs without AVX-512. */
#ifndef NB_STRIDE
#define NB_STRIDE NB_LANES
#endif

#if !NB_CONTRACT_ONLY
/* The areas of a block of NB_LANES neighbours at base (lane-minor rows, block_rows(ev) of them):
 * R, R' [nrl][lanes], Y [2 nylm][lanes], dY [6 nylm][lanes], g' [nradbase][lanes] (the double
 * block of ws->fblk is followed by the lane-wise A sums of density_block_sums). */
static inline void NB(block_areas)(const ace_evaluator *ev, NB_REAL *base, NB_REAL **Rb, NB_REAL **dRb, NB_REAL **Yb,
                                   NB_REAL **dYb, NB_REAL **dgb)
{
  const size_t nrl = (size_t)ev->nradmax * (ev->lmax + 1);
  *Rb = base;
  *dRb = *Rb + nrl * NB_LANES;
  *Yb = *dRb + nrl * NB_LANES;
  *dYb = *Yb + 2 * (size_t)ev->nylm * NB_LANES;
  *dgb = *dYb + 6 * (size_t)ev->nylm * NB_LANES;
}
#endif

/* One gathered block of neighbours of bond b (species mj) against ns weight sets (ns a constant
 * of each inlined copy, <= CONTRACT_SETS: independent accumulators hide the add latency), set s
 * with adjoints w_s(e) = Wr[e ld + s] + i Wi[e ld + s] on the entries e = (mj, n, l, m >= 0)
 * and rank-1 weights w1_s(k) = W1[k ld + s] on g_k (nk of them, W1 of species mj),
 * vectorised over the neighbours.  Radial sums first, P = sum_n w(n,l,m) R_nl(r),
 * Q = sum_n w(n,l,m) R'_nl(r), then per neighbour
 *   rad_s = sum_k w1_s(k) g_k'(r) + Re sum_lm Q Y_lm,   t_s,a = Re sum_lm P dY_lm / dx_a. */
static inline __attribute__((always_inline)) void NB(block_contract)(
    const ace_evaluator *ev, const ace_bond *b, int mj, const NB_REAL *restrict Rb, const NB_REAL *restrict dRb,
    const NB_REAL *restrict Yb, const NB_REAL *restrict dYb, const NB_REAL *Wr, const NB_REAL *Wi, size_t ld, int ns,
    const NB_REAL *restrict dgb, const NB_REAL *W1, int nk, NB_VEC *rad_out, NB_VEC *t_out)
{
  const int L1 = b->lmax + 1;
  NB_VEC rad[CONTRACT_SETS] = {{0}}, tx[CONTRACT_SETS] = {{0}}, ty[CONTRACT_SETS] = {{0}}, tz[CONTRACT_SETS] = {{0}};
  for (int k = 0; k < nk; ++k) {
    const NB_VEC dg = NB_VEC_LOAD(&dgb[(size_t)k * NB_STRIDE]);
    for (int s = 0; s < ns; ++s) rad[s] += W1[(size_t)k * ld + (size_t)s] * dg;
  }
  for (int l = 0; l <= b->lmax; ++l) {
    /* m = 0: Y_l0 and its gradient are real (their imaginary rows are zeros), so only Re w enters */
    NB_VEC Pr[CONTRACT_SETS] = {{0}}, Qr[CONTRACT_SETS] = {{0}};
    for (int nn = 0; nn < b->nradmax; ++nn) {
      const size_t e = (size_t)a_index(ev, mj, nn, l, 0) * ld;
      const NB_VEC Rv = NB_VEC_LOAD(&Rb[(size_t)(nn * L1 + l) * NB_STRIDE]);
      const NB_VEC dRv = NB_VEC_LOAD(&dRb[(size_t)(nn * L1 + l) * NB_STRIDE]);
      for (int s = 0; s < ns; ++s) {
        const NB_REAL wr = Wr[e + (size_t)s];
        Pr[s] += wr * Rv;
        Qr[s] += wr * dRv;
      }
    }
    const size_t c0 = (size_t)ace_ylm_index(l, 0);
    const NB_REAL *y0 = &Yb[2 * c0 * NB_STRIDE], *d0 = &dYb[6 * c0 * NB_STRIDE];
    for (int s = 0; s < ns; ++s) {
      rad[s] += Qr[s] * NB_VEC_LOAD(y0);
      tx[s] += Pr[s] * NB_VEC_LOAD(d0);
      ty[s] += Pr[s] * NB_VEC_LOAD(d0 + 2 * NB_STRIDE);
      tz[s] += Pr[s] * NB_VEC_LOAD(d0 + 4 * NB_STRIDE);
    }
    for (int m = 1; m <= l; ++m) {
      NB_VEC Pr[CONTRACT_SETS] = {{0}}, Pi[CONTRACT_SETS] = {{0}}, Qr[CONTRACT_SETS] = {{0}},
               Qi[CONTRACT_SETS] = {{0}};
      for (int nn = 0; nn < b->nradmax; ++nn) {
        const size_t e = (size_t)a_index(ev, mj, nn, l, m) * ld;
        const NB_VEC Rv = NB_VEC_LOAD(&Rb[(size_t)(nn * L1 + l) * NB_STRIDE]);
        const NB_VEC dRv = NB_VEC_LOAD(&dRb[(size_t)(nn * L1 + l) * NB_STRIDE]);
        for (int s = 0; s < ns; ++s) {
          const NB_REAL wr = Wr[e + (size_t)s], wi = Wi[e + (size_t)s];
          Pr[s] += wr * Rv;
          Pi[s] += wi * Rv;
          Qr[s] += wr * dRv;
          Qi[s] += wi * dRv;
        }
      }
      const size_t c = (size_t)ace_ylm_index(l, m);
      const NB_REAL *y = &Yb[2 * c * NB_STRIDE], *d = &dYb[6 * c * NB_STRIDE];
      for (int s = 0; s < ns; ++s) {
        rad[s] += Qr[s] * NB_VEC_LOAD(y) - Qi[s] * NB_VEC_LOAD(y + NB_STRIDE);
        tx[s] += Pr[s] * NB_VEC_LOAD(d) - Pi[s] * NB_VEC_LOAD(d + NB_STRIDE);
        ty[s] += Pr[s] * NB_VEC_LOAD(d + 2 * NB_STRIDE) - Pi[s] * NB_VEC_LOAD(d + 3 * NB_STRIDE);
        tz[s] += Pr[s] * NB_VEC_LOAD(d + 4 * NB_STRIDE) - Pi[s] * NB_VEC_LOAD(d + 5 * NB_STRIDE);
      }
    }
  }
  for (int s = 0; s < ns; ++s) {
    rad_out[s] = rad[s];
    t_out[3 * s] = tx[s];
    t_out[3 * s + 1] = ty[s];
    t_out[3 * s + 2] = tz[s];
  }
}


#if !NB_CONTRACT_ONLY
/* The first stage of lane_pairs and lane_triples: t_h[e] = x_(e mod 2)[h H + e / 2], H = NB_LANES / 2
 * (x0 and x1 of half h of the lanes interleaved). */
static inline __attribute__((always_inline)) void NB(lane_interleave)(NB_VEC x0, NB_VEC x1, NB_VEC *t0, NB_VEC *t1)
{
#define NB_T_(e, h) ((e) % 2 * NB_LANES + (h) * (NB_LANES / 2) + (e) / 2)
  static const NB_MASK t0m = NB_LANE_LIST(NB_T_, 0), t1m = NB_LANE_LIST(NB_T_, 1);
#undef NB_T_
  *t0 = __builtin_shuffle(x0, x1, t0m);
  *t1 = __builtin_shuffle(x0, x1, t1m);
}

/* Lane k of x0, x1, x2 as four consecutive values (x0[k], x1[k], x2[k], 0) of u[0..3] (u[j] holds
 * the lanes of quarter j): lane_interleave, then u_j from t_h and x2. */
static inline __attribute__((always_inline)) void NB(lane_triples)(NB_VEC x0, NB_VEC x1, NB_VEC x2, NB_VEC *u)
{
  /* u_j[e] = t_h[2 i + z] for z = e mod 4 < 2, else x2[lane]: lane = j NB_LANES / 4 + e / 4 = h H + i */
#define NB_LANE_(e, j) ((j) * (NB_LANES / 4) + (e) / 4)
#define NB_U_(e, j)                                                                                             \
  ((e) % 4 < 2 ? 2 * (NB_LANE_(e, j) % (NB_LANES / 2)) + (e) % 4 : NB_LANES + NB_LANE_(e, j))
#define NB_KEEP_(e, x) ((e) % 4 == 3 ? 0 : 1)
  static const NB_MASK u0m = NB_LANE_LIST(NB_U_, 0), u1m = NB_LANE_LIST(NB_U_, 1), u2m = NB_LANE_LIST(NB_U_, 2),
                       u3m = NB_LANE_LIST(NB_U_, 3);
  static const NB_VEC keep = NB_LANE_LIST(NB_KEEP_, 0);
#undef NB_LANE_
#undef NB_U_
#undef NB_KEEP_
  NB_VEC t0, t1;
  NB(lane_interleave)(x0, x1, &t0, &t1);
  u[0] = __builtin_shuffle(t0, x2, u0m) * keep;
  u[1] = __builtin_shuffle(t0, x2, u1m) * keep;
  u[2] = __builtin_shuffle(t1, x2, u2m) * keep;
  u[3] = __builtin_shuffle(t1, x2, u3m) * keep;
}

/* Lane k of x0, x1 as two consecutive values of u[0..1]. */
static inline __attribute__((always_inline)) void NB(lane_pairs)(NB_VEC x0, NB_VEC x1, NB_VEC *u)
{
  NB(lane_interleave)(x0, x1, &u[0], &u[1]);
}

/* In block_gradients: lane k's W consecutive values tup[W k ..] (as VT, elements T) into the rows
 * OUT of sink at column col of each lane's row: stored, or subtracted from the neighbours' rows
 * with their sum added to the centre's row. */
#define NB_SINK_LANES_(VT, W, T, OUT)                                                                     \
  do {                                                                                                    \
    if (!sink->row_of) {                                                                                  \
      for (int k = 0; k < nb; ++k) VT##_store(&(OUT)[base[k] + col], VT##_load(&tup[(W) * k]));            \
      break;                                                                                              \
    }                                                                                                     \
    VT sum_ = {0};                                                                                        \
    for (int k = 0; k < nb; ++k) {                                                                        \
      const VT g_ = VT##_load(&tup[(W) * k]);                                                             \
      T *o_ = &(OUT)[base[k] + col];                                                                      \
      VT##_store(o_, VT##_load(o_) - g_);                                                                 \
      sum_ += g_;                                                                                         \
    }                                                                                                     \
    T *c_ = &(OUT)[grad_sink_centre(sink) + col];                                                         \
    VT##_store(c_, VT##_load(c_) + sum_);                                                                 \
  } while (0)

/* In block_gradients: one set's gradients (ox, oy, oz) of the nb lanes into the rows OUT (elements
 * T) of sink sk at column col: stored, or subtracted / summed into the centre's row. */
#define NB_SINK_SET_(T, OUT)                                                                              \
  do {                                                                                                    \
    if (!sk->row_of) {                                                                                    \
      for (int k = 0; k < nb; ++k) {                                                                      \
        T *o = &(OUT)[bk[k] + col];                                                                       \
        o[0] = (T)ox[k];                                                                                  \
        o[ldo] = (T)oy[k];                                                                                \
        o[2 * ldo] = (T)oz[k];                                                                            \
      }                                                                                                   \
      break;                                                                                              \
    }                                                                                                     \
    T cx = 0, cy = 0, cz = 0;                                                                             \
    for (int k = 0; k < nb; ++k) {                                                                        \
      T *o = &(OUT)[bk[k] + col];                                                                         \
      const T gx = (T)ox[k], gy = (T)oy[k], gz = (T)oz[k];                                                \
      o[0] -= gx;                                                                                         \
      o[ldo] -= gy;                                                                                       \
      o[2 * ldo] -= gz;                                                                                   \
      cx += gx;                                                                                           \
      cy += gy;                                                                                           \
      cz += gz;                                                                                           \
    }                                                                                                     \
    T *c = &(OUT)[grad_sink_centre(sk) + col];                                                            \
    c[0] += cx;                                                                                           \
    c[ldo] += cy;                                                                                         \
    c[2 * ldo] += cz;                                                                                     \
  } while (0)

/* In block_gradients: the W lane vectors u[] of lane_pairs (W = 2, P = pair) or lane_triples (W = 4,
 * P = quad) into sink: as they are into float rows (float instance with sink->outf), else as doubles
 * into sink->out. */
#if NB_FLOAT_ROWS
#define NB_FLOAT_VECTORS_(P, W)                                                                           \
  if (sink->outf) {                                                                                       \
    float tup[4 * NB_LANES];                                                                              \
    memcpy(tup, u, (W) * sizeof *u);                                                                      \
    NB_SINK_LANES_(P##_f, W, float, sink->outf);                                                          \
    break;                                                                                                \
  }
#else
#define NB_FLOAT_VECTORS_(P, W)
#endif
#define NB_SINK_VECTORS_(P, W)                                                                            \
  do {                                                                                                    \
    NB_FLOAT_VECTORS_(P, W)                                                                               \
    double tup[4 * NB_LANES];                                                                             \
    for (int i_ = 0; i_ < (W); ++i_) NB(store_as_double)(tup + i_ * NB_LANES, u[i_]);                    \
    NB_SINK_LANES_(P##_d, W, double, sink->out);                                                          \
  } while (0)

/* block_contract of ns sets (a constant in each inlined copy), on CPUs without AVX-512 as two
 * halves of the lanes (NB_HALF) put back together */
static inline __attribute__((always_inline)) void NB(contract_sets)(
    const ace_evaluator *ev, const ace_bond *b, int mj, const NB_REAL *Rb, const NB_REAL *dRb, const NB_REAL *Yb,
    const NB_REAL *dYb, const NB_REAL *Wr, const NB_REAL *Wi, size_t ld, int ns, const NB_REAL *dgb,
    const NB_REAL *W1, int nk, NB_VEC *rad, NB_VEC *t)
{
#ifdef NB_HALF
  if (!cpu_wide_registers()) {
    enum { H = NB_LANES / 2 };
    for (int h = 0; h < 2; ++h) {
      NB_HALF_VEC r2[CONTRACT_SETS], t2[3 * CONTRACT_SETS];
      NB_HALF(block_contract)(ev, b, mj, Rb + h * H, dRb + h * H, Yb + h * H, dYb + h * H, Wr, Wi, ld, ns,
                              dgb ? dgb + h * H : NULL, W1, nk, r2, t2);
      for (int s = 0; s < ns; ++s)
        for (int k = 0; k < H; ++k) {
          rad[s][h * H + k] = r2[s][k];
          for (int a = 0; a < 3; ++a) t[3 * s + a][h * H + k] = t2[3 * s + a][k];
        }
    }
    return;
  }
#endif
  NB(block_contract)(ev, b, mj, Rb, dRb, Yb, dYb, Wr, Wi, ld, ns, dgb, W1, nk, rad, t);
}

/* The gradients g_s,a = rad_s rhat_a + t_s,a / r of ns weight sets (row length ld; W1mj the rank-1
 * weights of species mj) along the nb neighbours blk[] of a gathered block, into sink (see
 * grad_sink: double rows, or in the float instance float rows if sink->outf), and with own != NULL
 * one more set (s = ns of the weights) into own;
 * CONTRACT_SETS sets per contraction. */
static inline __attribute__((always_inline)) void NB(block_gradients)(
    const ace_evaluator *ev, const ace_atom_workspace *ws, const ace_bond *b, int mj, const size_t *blk, int nb,
    const NB_REAL *Rb, const NB_REAL *dRb, const NB_REAL *Yb, const NB_REAL *dYb, const NB_REAL *dgb,
    const NB_REAL *Wr, const NB_REAL *Wi, const NB_REAL *W1mj, size_t ld, size_t ns, const grad_sink *sink,
    const grad_sink *own)
{
  /* lane vectors of the block: rhat, 1/r, and where each neighbour's rows start in the sinks */
  NB_REAL rx[NB_LANES] = {0}, ry[NB_LANES] = {0}, rz[NB_LANES] = {0}, ir[NB_LANES] = {0};
  size_t base[NB_LANES], obase[NB_LANES];
  for (int k = 0; k < nb; ++k) {
    const size_t u = blk[k];
    rx[k] = (NB_REAL)ws->nb_rhat[3 * u];
    ry[k] = (NB_REAL)ws->nb_rhat[3 * u + 1];
    rz[k] = (NB_REAL)ws->nb_rhat[3 * u + 2];
    ir[k] = (NB_REAL)(1.0 / ws->nb_r[u]);
    if (ns) base[k] = grad_sink_row(sink, ws->nb_src[u]);
    if (own) obase[k] = grad_sink_row(own, ws->nb_src[u]);
  }
  const NB_VEC rxv = NB_VEC_LOAD(rx), ryv = NB_VEC_LOAD(ry), rzv = NB_VEC_LOAD(rz), irv = NB_VEC_LOAD(ir);
  const size_t nsets = ns + (own != NULL);
  for (size_t s = 0; s < nsets;) {
    /* three sets at a time; the last two members (both into sink) as a pair */
    const int sets = nsets - s >= CONTRACT_SETS ? CONTRACT_SETS : (ns - s == 2 && nsets == ns) ? 2 : 1;
    NB_VEC rad[CONTRACT_SETS], t[3 * CONTRACT_SETS];
    if (sets == CONTRACT_SETS)
      NB(contract_sets)(ev, b, mj, Rb, dRb, Yb, dYb, Wr + s, Wi + s, ld, CONTRACT_SETS, dgb, W1mj + s, b->nradbase,
                        rad, t);
    else if (sets == 2)
      NB(contract_sets)(ev, b, mj, Rb, dRb, Yb, dYb, Wr + s, Wi + s, ld, 2, dgb, W1mj + s, b->nradbase, rad, t);
    else
      NB(contract_sets)(ev, b, mj, Rb, dRb, Yb, dYb, Wr + s, Wi + s, ld, 1, dgb, W1mj + s, b->nradbase, rad, t);
    if (sets == 2 || (sets == CONTRACT_SETS && s + 4 <= ns)) {
      /* the sets of a lane and axis are consecutive in the sink: a pair moves as 2 doubles, three sets as
       * 4 (from the lane triples; the 4th a 0 on set s + 3 < ns, which a later contraction writes) */
      _Static_assert(CONTRACT_SETS == 3, "the triples are written for three sets per contraction");
      const size_t ldo = sink->ldo;
      for (int a = 0; a < 3; ++a) {
        const NB_VEC ra = a == 0 ? rxv : a == 1 ? ryv : rzv;
        const NB_VEC x0 = rad[0] * ra + t[a] * irv, x1 = rad[1] * ra + t[3 + a] * irv;
        const size_t col = (size_t)a * ldo + s;
        NB_VEC u[4];
        if (sets == 2) {
          NB(lane_pairs)(x0, x1, u);
          NB_SINK_VECTORS_(pair, 2);
        } else {
          NB(lane_triples)(x0, x1, rad[2] * ra + t[6 + a] * irv, u);
          NB_SINK_VECTORS_(quad, 4);
        }
      }
      s += (size_t)sets;
      continue;
    }
    for (int z = 0; z < sets; ++z, ++s) {
      const NB_VEC ox = rad[z] * rxv + t[3 * z] * irv, oy = rad[z] * ryv + t[3 * z + 1] * irv,
                   oz = rad[z] * rzv + t[3 * z + 2] * irv;
      const grad_sink *sk = s < ns ? sink : own;
      const size_t *bk = s < ns ? base : obase, ldo = sk->ldo, col = s < ns ? s : 0;
#if NB_FLOAT_ROWS
      if (sk->outf) {
        NB_SINK_SET_(float, sk->outf);
        continue;
      }
#endif
      NB_SINK_SET_(double, sk->out);
    }
  }
}

#undef NB_SINK_LANES_
#undef NB_SINK_SET_
#undef NB_SINK_VECTORS_
#undef NB_FLOAT_VECTORS_
#endif /* !NB_CONTRACT_ONLY */
#undef NB_HALF
#undef NB_HALF_VEC
#undef NB_CONTRACT_ONLY
#undef NB_STRIDE
#undef NB_FLOAT_ROWS
#undef NB_REAL
#undef NB_LANES
#undef NB_VEC
#undef NB_VEC_LOAD
#undef NB_MASK
#undef NB_LANE_LIST
#undef NB
