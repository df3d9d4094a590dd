#!/usr/bin/env python3
"""Writes a modified copy of a hand-wired learner file for the probes in docs/EXPERIMENTS.md.

  probe.py SRC OUT lr FACTOR       scale the backward block's update weights (the learning rate) by FACTOR
  probe.py SRC OUT noise REL SEED  multiply every parameter by (1 + REL * N(0, 1)), seeded

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
    if len(argv) < 4 or argv[3] not in ("lr", "noise"):
        sys.exit(__doc__)
    src, out, mode = argv[1], argv[2], argv[3]
    tensors = load_file(src)
    with open(src, "rb") as f:
        header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
    if mode == "lr":
        factor = float(argv[4])
        for row, col in UPDATE_ENTRIES:
            tensors[UPDATE_KEY][row, col] *= factor
    else:
        rel, rng = float(argv[4]), np.random.default_rng(int(argv[5]))
        tensors = {k: (v * (1 + rel * rng.standard_normal(v.shape))).astype(np.float32) for k, v in tensors.items()}
    save_file(tensors, out, metadata=header.get("__metadata__"))


if __name__ == "__main__":
    main(sys.argv)
