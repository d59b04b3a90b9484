#!/usr/bin/env python3
"""Write malformed reference-descriptor files for the compute uq/entropy
input-error tests into OUTDIR: nan.npy (a NaN entry), cols31.npy (2 x 31,
i.e. made with k = 16), truncated.npy (data cut short), f32.npy (float32)."""
import os
import struct
import sys


def npy(shape, values, descr="<f8"):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%d, %d), }" % ((descr,) + shape)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    fmt = "<%d%s" % (len(values), "d" if descr == "<f8" else "f")
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + struct.pack(fmt, *values)


out = sys.argv[1]
os.makedirs(out, exist_ok=True)
good = [0.01 * i for i in range(2 * 63)]
bad = list(good)
bad[70] = float("nan")
files = {
    "nan.npy": npy((2, 63), bad),
    "cols31.npy": npy((2, 31), good[:62]),
    "truncated.npy": npy((2, 63), good)[:-100],
    "f32.npy": npy((2, 63), good, "<f4"),
}
for name, data in files.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print("wrote", ", ".join(sorted(files)), "to", out)
