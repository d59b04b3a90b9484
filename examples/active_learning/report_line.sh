#!/usr/bin/env bash
# report_line.sh N T_END T_START TRAIN_FILES... -- one line of report.dat for potential N from
# iter_N/fit.log: N, training frames, frames added by the last refit, held-out RMSE (energy meV/atom,
# forces meV/A) over all held-out frames, on the liquid and on the 300 K crystal (the start domain),
# refit seconds.
n=$1; t1=$2; t0=$3; shift 3
frames=0; for f in "$@"; do frames=$((frames + $(grep -c '^[0-9][0-9]*$' "$f"))); done
last=${*: -1}; added=0
[ "$n" -gt 1 ] && added=$(grep -c '^[0-9][0-9]*$' "$last")
log=iter_$n/fit.log
row() { sed -n '/^test errors/,/^  all/p' "$log" | awk -v c="$1" '$1 == c {print $5, $8}'; }
awk -v n="$n" -v fr="$frames" -v ad="$added" -v all="$(row all)" -v liq="$(row liquid)" -v md="$(row md300)" \
    -v t1="$t1" -v t0="$t0" 'BEGIN { printf "%s %s %s %s %s %s %.1f\n", n, fr, ad, all, liq, md, t1 - t0 }'
