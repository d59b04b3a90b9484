#!/usr/bin/env bash
# bench/paired_stats.awk against values worked out by hand (median, quartiles, the sign-test 95 %
# interval of the median, verdicts), and its refusal to give an interval for 5 ratios.
#   usage: paired_stats_check.sh PATH/TO/paired_stats.awk
set -uo pipefail
awkf=$1 fail=0
check() { # check NAME EXPECTED ACTUAL
  if [[ $3 == *"$2"* ]]; then echo "ok   $1"; else echo "FAIL $1: expected '$2' in: $3"; fail=1; fi
}
# 12 ratios 1..12 in scrambled order.  Median 6.5; quartiles at positions 1 + 11/4 = 3.75 and 9.25
# -> 3.75 and 9.25.  Bin(12, 1/2): P(<= 2) = 79/4096 = 0.019 <= 0.025 < P(<= 3) = 299/4096 = 0.073,
# so k = 3 and the interval is [x_(3), x_(10)] = [3, 10].
twelve=$(for v in 7 3 12 1 9 5 11 2 8 6 10 4; do printf 'case a\t%s\n' "$v"; done)
out=$(printf '%s\n' "$twelve" | awk -v targets='case a=10' -f "$awkf")
check "median, quartiles, interval of 12" "x6.500 median of 12 (quartiles 3.750-9.250; 95% CI 3.000-10.000)" "$out"
check "met when the interval is at or below the target" "target <= 10: met" "$out"
out=$(printf '%s\n' "$twelve" | awk -v targets='case a=2.9' -f "$awkf")
check "missed when the interval is above" "target <= 2.9: missed" "$out"
out=$(printf '%s\n' "$twelve" | awk -v targets='case a=5' -f "$awkf")
check "undecided when the interval straddles" "target <= 5: undecided" "$out"
# 6 ratios: P(Bin(6, 1/2) = 0) = 1/64 = 0.016 <= 0.025 < 7/64: k = 1, the interval is [min, max]
out=$(for v in 1.2 1.0 1.5 1.1 1.3 1.4; do printf 'six\t%s\n' "$v"; done | awk -f "$awkf")
check "interval of 6 is the range" "x1.250 median of 6 (quartiles 1.125-1.375; 95% CI 1.000-1.500)" "$out"
# 5 ratios: P(Bin(5, 1/2) = 0) = 1/32 > 0.025: no interval, and no verdict either way
out=$(for v in 1 2 3 4 5; do printf 'five\t%s\n' "$v"; done | awk -v targets='five=100' -f "$awkf")
check "no interval below 6" "too few for a 95% CI)   target <= 100: undecided" "$out"
# two cases keep their order of appearance and are summarised separately
out=$(printf 'b\t2\na\t1\nb\t4\na\t3\n' | awk -f "$awkf" | awk '{ print $1, $2 }' | paste -sd' ')
check "cases in order of appearance" "b x3.000 a x2.000" "$out"
[ $fail -eq 0 ] && echo "paired_stats: all checks passed"
exit $fail
