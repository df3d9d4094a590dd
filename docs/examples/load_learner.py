#!/usr/bin/env python3
"""Read vsml-swift learners from Python: a shipped learner, or a run's checkpoint.

usage: python3 load_learner.py LEARNER.safetensors [RUN_DIR]

Learned parameters are safetensors files with the reference code's tensor names; a run directory
holds checkpoint.safetensors (the current meta-parameters), checkpoint.json (iteration,
configuration, ES state) and, once validated, best.safetensors. Needs numpy and safetensors.
"""
import json
import os
import sys

from safetensors import safe_open
from safetensors.numpy import load_file


def describe(path):
    tensors = load_file(path)
    with safe_open(path, framework="np") as f:
        metadata = f.metadata() or {}
    total = sum(t.size for t in tensors.values())
    print(f"{path}: {total} meta-parameters in {len(tensors)} tensors")
    for name in sorted(tensors):
        print(f"  {name} {list(tensors[name].shape)} {tensors[name].dtype}")
    for key in sorted(metadata):
        print(f"  metadata {key} = {metadata[key]}")
    return tensors


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    learner = describe(sys.argv[1])
    gate = next(t for n, t in learner.items() if n.endswith("custom_lstm/linear/w"))
    print(f"gate matrix: rows [fwd_in, bwd_in, h] = {gate.shape[0]}, columns (gates i, g, f, o) = {gate.shape[1]}")
    if len(sys.argv) > 2:
        run = sys.argv[2]
        with open(os.path.join(run, "checkpoint.json")) as f:
            checkpoint = json.load(f)
        print(f"{run}: iteration {checkpoint['iteration']}, seed {checkpoint['configuration']['seed']}")
        describe(os.path.join(run, "checkpoint.safetensors"))


if __name__ == "__main__":
    main()
