#!/usr/bin/env python3
"""Multi-element potentials written the way pacemaker writes them load and mean what they mean to ML-PACE.

The reference Al-Ni potentials (multispecies_AlNi, Al-Ni_opt_all) are rewritten, by text insertion, with
the keys pacemaker (2021 and later) writes where ML-PACE does not read them: rho_core_cut / drho_core_cut
in the pair blocks "Al Ni" and "Ni Al" (after core-repulsion, as pacemaker writes them) and
NameOfCutoffFunctionij.  ML-PACE takes each element's embedding and core-energy cutoff from its
single-species block, so:
  same    pair blocks repeat the single-species values: no note, results identical
  differ  pair blocks carry values that would change every energy if they were used (rho_core_cut 1,
          ndensityi 3, FinnisSinclair with other parameters) and unknown keys: identical results,
          one note per ignored key whose value differs
  partial a radial-basis key without lmaxi in a pair block (ML-PACE: "partially defined"): rejected
          with file, line and key
The .yace twin gets unknown keys in an embedding, a bond and a function: identical results, notes.
"Identical" is exact equality of every number `aceuq eval` prints (energies, forces, virial,
projections, gamma with the potential's .asi); they are also checked against the ML-PACE reference with
the tolerances of ace_eval.py.  With LMP (instead of the above), pair_style ace/uq runs the `differ`
potential + .asi on NP ranks against the reference and its log must show the notes.

usage: pacemaker_style.py ACEUQ SHARED_DIR [LMP NP]
Exit 77 (skip) when SHARED_DIR/reference/ace is missing.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ace_eval import compare  # noqa: E402

POTENTIALS = {"multispecies_AlNi": True, "Al-Ni_opt_all": False}  # name: has an .asi
CONFIGS = ["AlNi_fcc333_rattle", "AlNi_liquid64", "AlNi_slab100", "AlNi_dimer"]


def blocks(text):
    """[(start line index, speciesblock symbols)] of the species list."""
    out = []
    for i, line in enumerate(text.splitlines()):
        m = re.match(r"\s*- speciesblock:\s*(.*?)\s*(#.*)?$", line)
        if m:
            out.append((i, m.group(1).split()))
    return out


def unary_values(text):
    """{element: {key: value text}} of the embedding keys of the single-species blocks."""
    lines, found = text.splitlines(), {}
    bl = blocks(text) + [(len(lines), None)]
    for (start, syms), (end, _) in zip(bl, bl[1:]):
        if len(set(syms)) != 1:
            continue
        vals = {"rho_core_cut": "100000", "drho_core_cut": "250"}
        for line in lines[start:end]:
            m = re.match(r"\s*(ndensityi|npoti|parameters|rho_core_cut|drho_core_cut):\s*(.*?)\s*(#.*)?$", line)
            if m:
                vals[m.group(1)] = m.group(2)
        found[syms[0]] = vals
    return found


def edit_pair_blocks(text, edit):
    """Replace the lines of every 2-species block (after its speciesblock line) by edit(symbols, lines)."""
    lines = text.splitlines()
    bl = blocks(text) + [(len(lines), None)]
    for (start, syms), (end, _) in reversed(list(zip(bl, bl[1:]))):
        if len(set(syms)) == 2:
            lines[start + 1:end] = edit(syms, lines[start + 1:end])
    return "\n".join(lines) + "\n"


def insert_into_pair_blocks(text, make_lines):
    """Insert make_lines(symbols) after the speciesblock line of every 2-species block."""
    return edit_pair_blocks(text, lambda syms, body: ["    " + l for l in make_lines(syms)] + body)


def break_radial_basis(syms, body):
    """The "Ni Al" block: a radial key without lmaxi (drop lmaxi, or add radbase where there is none)."""
    if syms[0] != "Ni":
        return body
    if any(re.match(r"\s*lmaxi:", l) for l in body):
        return [l for l in body if not re.match(r"\s*lmaxi:", l)]
    return ["    radbase: ChebPow"] + body


def other_embedding(npoti):
    return "FinnisSinclair" if npoti == "FinnisSinclairShiftedScaled" else "FinnisSinclairShiftedScaled"


def variants(text):
    home = unary_values(text)
    same = insert_into_pair_blocks(text, lambda s: [
        "rho_core_cut: %s" % home[s[0]]["rho_core_cut"], "drho_core_cut: %s" % home[s[0]]["drho_core_cut"]])
    differ = insert_into_pair_blocks(text, lambda s: [
        "ndensityi: 3", "npoti: %s" % other_embedding(home[s[0]]["npoti"]), "parameters: [2, 3, 4, 5, 6, 7]",
        "rho_core_cut: 1",
        "drho_core_cut: 0.5", "fitted_by: someone"])
    differ = differ.replace("global:\n", "fit_info: {cycle: 3}\nglobal:\n", 1)
    partial = edit_pair_blocks(text, break_radial_basis)
    # the differing keys noted (6 per pair block: 5 embedding keys and one unknown) + the top-level key
    return {"same": (same, 0), "differ": (differ, 2 * 6 + 1), "partial": (partial, None)}


def yace_variant(text):
    """Unknown keys in the first embedding, the first bond and the first function."""
    text = re.sub(r"(\n  0: \{)", r"\1comment: fit 3, ", text, count=1)
    text = re.sub(r"(\n  \[0, 0\]: \{)", r"\1origin: pacemaker, ", text, count=1)
    text = re.sub(r"(\n    - \{mu0: 0,)", r"\1 tag: 0,", text, count=1)
    return text, 3


def run_eval(aceuq, pot, xyz, asi):
    cmd = [aceuq, "eval", pot, xyz, "--projections", "linear" if pot.endswith(".yaml") else "none"]
    res = subprocess.run(cmd + (["--asi", asi] if asi else []), capture_output=True, text=True)
    notes = [l for l in res.stderr.splitlines() if l.startswith("aceuq: note:")]
    return res, notes


def check_eval(aceuq, ref_dir, scratch):
    failures = count = 0
    for name, has_asi in POTENTIALS.items():
        for ext in (".yaml", ".yace"):
            original = os.path.join(ref_dir, "potentials", name + ext)
            if not os.path.exists(original):
                continue
            text = open(original).read()
            cases = variants(text) if ext == ".yaml" else {"extra_keys": yace_variant(text)}
            asi = os.path.join(ref_dir, "potentials", name + ".asi") if has_asi and ext == ".yaml" else None
            for label, (new_text, want_notes) in cases.items():
                pot = os.path.join(scratch, "%s.%s%s" % (name, label, ext))
                open(pot, "w").write(new_text)
                for config in CONFIGS:
                    count += 1
                    xyz = os.path.join(ref_dir, "configs", config + ".xyz")
                    base, _ = run_eval(aceuq, original, xyz, asi)
                    res, notes = run_eval(aceuq, pot, xyz, asi)
                    if want_notes is None:
                        msg = res.stderr.strip()
                        ok = (res.returncode == 1 and os.path.basename(pot) in msg and "species[" in msg and
                              ": radial basis partially defined: " in msg)
                        summary = "rejected: " + msg
                    elif res.returncode != 0 or base.returncode != 0 or not res.stdout.strip():
                        ok, summary = False, "aceuq eval failed: " + (res.stderr + base.stderr).strip()
                    else:
                        got, want = json.loads(res.stdout), json.loads(base.stdout)
                        got_numbers = {k: v for k, v in got.items() if k != "potential"}
                        identical = got_numbers == {k: v for k, v in want.items() if k != "potential"}
                        ok, summary = identical, "identical" if identical else "DIFFERS from the file without the keys"
                        if name == "multispecies_AlNi" or ext == ".yace":
                            ref_path = os.path.join(ref_dir, "ref", config + ".json")
                            if name == "multispecies_AlNi" and os.path.exists(ref_path):
                                ref_ok, ref_summary = compare(got, json.load(open(ref_path)), ext == ".yaml",
                                                              grades=asi is not None)
                                ok, summary = ok and ref_ok, summary + "; vs reference: " + ref_summary
                        if len(notes) != want_notes:
                            ok = False
                            summary += "; %d notes, expected %d: %s" % (len(notes), want_notes, notes[:3])
                        else:
                            summary += "; %d notes" % len(notes)
                    failures += not ok
                    print("%-4s %-36s %-12s %s" % ("ok" if ok else "FAIL", name + ext, config, summary))
    return count, failures


def check_lammps(lmp, aceuq, np_, ref_dir, scratch):
    from ace_lammps import run_lammps
    text = open(os.path.join(ref_dir, "potentials", "multispecies_AlNi.yaml")).read()
    pot = os.path.join(scratch, "AlNi.differ.yaml")
    open(pot, "w").write(variants(text)["differ"][0])
    asi = os.path.join(ref_dir, "potentials", "multispecies_AlNi.asi")
    failures = count = 0
    for config in CONFIGS[:2]:
        count += 1
        ref = json.load(open(os.path.join(ref_dir, "ref", config + ".json")))
        with tempfile.TemporaryDirectory() as run_dir:
            try:
                got = run_lammps(lmp, aceuq, np_, pot, os.path.join(ref_dir, "configs", config + ".xyz"), run_dir,
                                 asi=asi)
                ok, summary = compare(got, ref, False, grades=True)
                notes = [l for l in got["log"].splitlines() if l.startswith("pair ace/uq: note:")]
                noted = len(notes) == 13 and any("species[2].rho_core_cut: ignored" in l for l in notes)
                ok = ok and noted
                summary += "; %d notes in the log%s" % (len(notes), "" if noted else " (expected 13)")
            except (RuntimeError, StopIteration, subprocess.CalledProcessError) as e:
                ok, summary = False, str(e)
        failures += not ok
        print("%-4s np=%d %-30s %s" % ("ok" if ok else "FAIL", np_, config, summary))
    return count, failures


def main():
    aceuq, shared = sys.argv[1], sys.argv[2]
    ref_dir = os.path.join(shared, "reference", "ace")
    if not os.path.isdir(ref_dir):
        print("SKIP: ACE reference data not found at %s (../shared is missing)" % ref_dir)
        return 77
    with tempfile.TemporaryDirectory() as scratch:
        if len(sys.argv) > 4:
            count, failures = check_lammps(sys.argv[3], aceuq, int(sys.argv[4]), ref_dir, scratch)
        else:
            count, failures = check_eval(aceuq, ref_dir, scratch)
    print("%d passed, %d failed" % (count - failures, failures))
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
