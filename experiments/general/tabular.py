#!/usr/bin/env python3
"""Writes the tabular meta-test sets of the `general` learner as vsml CSV files (label first).

usage: tabular.py OUT_DIR
Four small real datasets that ship inside scikit-learn (no download): iris (4 features, 3 classes),
wine (13, 3), breast cancer (30, 2) and handwritten digits (64, 10). Each is split 70/30 into
NAME-train.csv and NAME-test.csv with a fixed seed; vsml standardises features with the training
file's statistics. None of them is in the general learner's meta-training mixture.
"""
import os, sys
import numpy as np
from sklearn import datasets

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, load in [("iris", datasets.load_iris), ("wine", datasets.load_wine),
                   ("breast-cancer", datasets.load_breast_cancer), ("digits", datasets.load_digits)]:
    d = load()
    order = np.random.default_rng(0).permutation(len(d.target))
    cut = int(0.7 * len(order))
    for part, idx in [("train", order[:cut]), ("test", order[cut:])]:
        rows = np.column_stack([d.target[idx], d.data[idx]])
        np.savetxt(os.path.join(out, f"{name}-{part}.csv"), rows, delimiter=",", fmt=["%d"] + ["%.6g"] * d.data.shape[1])
    print(name, d.data.shape, len(set(d.target)))
