#!/usr/bin/env bash
# Novelty detection on a heterogeneous Cu data set: global vs clustering-enhanced local
# D-optimality vs descriptor entropy (QUESTS dH).
#   1. LAMMPS + EAM (Cu_u3.eam) samples classes of Cu environments (in.sample)
#   2. training = first half of bulk (300 K, 900 K, -2 % / +2 % strain), vacancy and slab
#      snapshots; in-distribution test = their second half; novel = clusters and liquid
#   3. aceuq activeset --local 4: global .asi + local .asil (4 clusters; CLUSTERS=... to change,
#      "auto" picks 1 here: the surface cluster is smaller than its 4 x rank rule)
#   4. ROC-AUC of gamma, gamma_local and dH (novel vs in-distribution): results.md, roc.png
# ACE basis: Cu-I.yaml from the shared reference data (ACEUQ_SHARED_DIR, default
# <repo>/../shared; POT=... to use another Cu potential). About a minute on 2 cores.
set -euo pipefail
# shellcheck source=../common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
example_setup uq_benchmark
shared=${ACEUQ_SHARED_DIR:-$here/../../../shared}
pot=${POT:-$shared/reference/ace/potentials/Cu-I.yaml}
if [ ! -f "$pot" ]; then
  echo "SKIP: $pot not found (set ACEUQ_SHARED_DIR to the shared reference data, or POT)"
  exit 77
fi
aceuq=$build/aceuq
train=bulk300,bulk900,compressed,stretched,vacancy,slab
novel=cluster,liquid

echo "== 1. sampling the classes with LAMMPS (EAM)"
while read -r class shape a T seed; do
  "${mpi[@]}" "$build/lmp" -nocite -log none -screen none -in "$here/in.sample" \
    -var class "$class" -var shape "$shape" -var a "$a" -var T "$T" -var seed "$seed" -var nsnap 8 </dev/null
done <<'CLASSES'
bulk300    bulk    3.615 300  1001
bulk900    bulk    3.615 900  1002
compressed bulk    3.543 300  1003
stretched  bulk    3.687 300  1004
vacancy    vacancy 3.615 600  1005
slab       slab    3.615 600  1006
cluster    cluster 3.615 300  1007
liquid     bulk    3.615 2500 1008
CLASSES
python3 "$here/make_sets.py" "$train" "$novel"

echo "== 2. active sets (global + local) and reference descriptors from the training set"
"$aceuq" activeset "$pot" train.xyz -o cu.asi --local "${CLUSTERS:-4}" | tee activeset.log
"$aceuq" descriptors train.xyz -o train_descriptors.npy

echo "== 3. scores and ROC-AUC"
python3 "$here/analyze.py" "$aceuq" "$pot" cu.asi cu.asil train_descriptors.npy "$train" "$novel"
gnuplot "$here/plot.gp"
echo "table: $out/results.md   plot: $out/roc.png"
# what is robust on this data (checked by the test suite): every score separates the novel
# classes well, and the local grade detects them at least as well as the global one
python3 - <<'CHECK'
import json
a = json.load(open("results.json"))["auc"]
ok = a["all"]["gamma_local"] >= a["all"]["gamma"] - 0.005 and min(a["all"].values()) > 0.9 \
     and min(a["cluster"].values()) > 0.95
print("%s: AUC all novel: gamma %.3f, gamma_local %.3f, dH %.3f" % (
    "ROBUST-OK" if ok else "ROBUST-FAIL", a["all"]["gamma"], a["all"]["gamma_local"], a["all"]["dH"]))
raise SystemExit(0 if ok else 1)
CHECK
