#!/usr/bin/env python3
"""Writes a modified copy of a hand-wired learner file, or compares two, for the probes in docs/EXPERIMENTS.md.

  probe.py SRC OUT lr FACTOR       scale the backward block's update weights (the learning rate) by FACTOR
  probe.py SRC OUT noise REL SEED  multiply every parameter by (1 + REL * N(0, 1)), seeded
  probe.py SRC OUT width W         the same parameters, run with one hidden layer of W units
  probe.py SRC OTHER compare       print SRC's size and non-zero range, and how far OTHER moved from it
  probe.py SRC OTHER factors CONFIG  print the factor OTHER / SRC of every es.scaleGroups group of CONFIG

Needs numpy and safetensors (pip install numpy safetensors).
"""
import json
import struct
import sys

import numpy as np
from safetensors.numpy import load_file, save_file

# The backward block's candidate weights from the update pair (lanes 9 and 10, state rows 16 + lane)
# into the weight lane (column 16 = candidate gate, lane 0): ±η / a_u in DeepBackpropScaffold.
UPDATE_KEY = "vsmlrnn/~/sub_rnn_1/~/custom_lstm/linear/w"
UPDATE_ENTRIES = [(25, 16), (26, 16)]


def main(argv):
    if len(argv) < 4 or argv[3] not in ("lr", "noise", "width", "compare", "factors"):
        sys.exit(__doc__)
    src, out, mode = argv[1], argv[2], argv[3]
    tensors = load_file(src)
    if mode == "compare":
        compare(tensors, load_file(out))
        return
    if mode == "factors":
        factors(tensors, load_file(out), json.load(open(argv[4])))
        return
    with open(src, "rb") as f:
        header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
    if mode == "width":
        # The model travels in the file's metadata; the parameters do not depend on layer sizes.
        metadata = dict(header["__metadata__"])
        model = json.loads(metadata["vsml.model"])
        model["hiddenSizes"] = [int(argv[4])]
        metadata["vsml.model"] = json.dumps(model)
        save_file(tensors, out, metadata=metadata)
        return
    if mode == "lr":
        factor = float(argv[4])
        for row, col in UPDATE_ENTRIES:
            tensors[UPDATE_KEY][row, col] *= factor
    else:
        rel, rng = float(argv[4]), np.random.default_rng(int(argv[5]))
        tensors = {k: (v * (1 + rel * rng.standard_normal(v.shape))).astype(np.float32) for k, v in tensors.items()}
    save_file(tensors, out, metadata=header.get("__metadata__"))


def compare(start, other):
    """Counts and non-zero range of `start`; relative moves of its non-zero entries in `other`."""
    nonzero = {k: v != 0 for k, v in start.items()}
    values = np.concatenate([np.abs(v[nonzero[k]]) for k, v in start.items()])
    moves = np.concatenate([np.abs((other[k] - v)[nonzero[k]] / v[nonzero[k]]) for k, v in start.items()])
    zeros_moved = sum(int((other[k][~nonzero[k]] != 0).sum()) for k in start)
    print(f"parameters {sum(v.size for v in start.values())}, non-zero {values.size}, "
          f"|non-zero| from {values.min():.3g} to {values.max():.3g}")
    print(f"relative move of the non-zero entries: max {moves.max():.4f}, mean {moves.mean():.4f}; zeros moved {zeros_moved}")
    row, col = UPDATE_ENTRIES[0], UPDATE_ENTRIES[1]
    print("update weights (learning rate) scaled by "
          + ", ".join(f"{other[UPDATE_KEY][r, c] / start[UPDATE_KEY][r, c]:.3f}" for r, c in (row, col)))


def factors(start, other, config):
    """The factor of each scale group: OTHER / SRC at the group's first non-zero entry."""
    for group in config["es"]["scaleGroups"]:
        ratios = []
        for entry in group["entries"]:
            a, b = start[entry["tensor"]], other[entry["tensor"]]
            index = [tuple(i) for i in entry["indices"]] if "indices" in entry else list(zip(*np.nonzero(a)))
            ratios += [b[i] / a[i] for i in index if a[i] != 0]
        print(f"{group['name']}: {ratios[0]:.3f}" + ("" if np.allclose(ratios, ratios[0], rtol=1e-4) else " (entries differ)"))


if __name__ == "__main__":
    main(sys.argv)
