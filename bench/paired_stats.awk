# paired_stats.awk -- summary of paired timing ratios (bench_spread_targets.sh, bench_ab_plugins.sh).
# Input: one line per ratio, "CASE<TAB>RATIO" (tab-separated; CASE may contain spaces); cases keep the order
# of their first line.  Variables: targets = "CASE=LIMIT|CASE=LIMIT..." (optional verdict per case).
# Per case: the median of the ratios, their quartiles, and a distribution-free 95 % confidence
# interval of the median from order statistics (the sign test: [x_(k), x_(n+1-k)] with the largest k
# such that P(Bin(n, 1/2) <= k - 1) <= 2.5 %; none below 6 ratios).  With a target LIMIT the verdict
# is "met" when the whole interval is <= LIMIT, "missed" when it is > LIMIT, else "undecided".
BEGIN { FS = "\t"; nt = split(targets, tl, "|"); for (i = 1; i <= nt; ++i) { split(tl[i], kv, "="); limit[kv[1]] = kv[2] } }
function sort(a, n,   i, j, x) { for (i = 2; i <= n; ++i) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; --j) a[j + 1] = a[j]; a[j + 1] = x } }
# quantile q of the sorted a[1..n], linear between order statistics
function quant(a, n, q,   h, l) { h = 1 + (n - 1) * q; l = int(h); return l >= n ? a[n] : a[l] + (h - l) * (a[l + 1] - a[l]) }
# log(x!) for integer x >= 0
function lfact(x,   s, i) { s = 0; for (i = 2; i <= x; ++i) s += log(i); return s }
NF >= 2 { if (!($1 in n)) order[++nc] = $1; r[$1, ++n[$1]] = $2 + 0 }
END {
  for (c = 1; c <= nc; ++c) {
    name = order[c]; m = n[name]
    for (i = 1; i <= m; ++i) a[i] = r[name, i]
    sort(a, m)
    k = 0; cum = 0
    for (i = 0; i < m; ++i) { cum += exp(lfact(m) - lfact(i) - lfact(m - i) - m * log(2)); if (cum > 0.025) break; k = i + 1 }
    if (k >= 1) ci = sprintf("95%% CI %.3f-%.3f", a[k], a[m + 1 - k]); else ci = "too few for a 95% CI"
    v = ""
    if (name in limit) {
      if (k < 1) v = "undecided"
      else v = a[m + 1 - k] <= limit[name] ? "met" : (a[k] > limit[name] ? "missed" : "undecided")
      v = sprintf("   target <= %s: %s", limit[name], v)
    }
    printf "  %-46s x%.3f median of %d (quartiles %.3f-%.3f; %s)%s\n", name, quant(a, m, 0.5), m,
           quant(a, m, 0.25), quant(a, m, 0.75), ci, v
  }
}
