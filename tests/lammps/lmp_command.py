"""How the Python test drivers start LAMMPS: serially, or under OpenMPI's
mpirun (oversubscribed: CI has 2 cores; as root it needs --allow-run-as-root)."""
import os


def lmp_command(lmp, inp, np_, extra=()):
    """The command line [mpirun -np NP ...] LMP -nocite -log none -in INP EXTRA..."""
    cmd = [lmp, "-nocite", "-log", "none", "-in", inp] + list(extra)
    if np_ > 1:
        cmd = ["mpirun", "-np", str(np_), "--oversubscribe"] + \
              (["--allow-run-as-root"] if os.geteuid() == 0 else []) + cmd
    return cmd
