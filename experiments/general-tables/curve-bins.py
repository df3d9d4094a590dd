#!/usr/bin/env python3
"""Mean online accuracy of meta-test curves over bins of steps, and over the first 100 steps.

  curve-bins.py NAME=CURVE.csv ...

CURVE.csv is a curve that `vsml evaluate --out DIR` writes (DIR/curve-DATASET.csv: step,
mean_accuracy, ...). Prints one row per curve: the means over steps 1-10, 11-20, 21-40, 41-70,
71-100, 101-150 and 151-200, then over 1-100.
"""
import csv
import sys

BINS = [(0, 10), (10, 20), (20, 40), (40, 70), (70, 100), (100, 150), (150, 200)]


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    print("curve".ljust(12) + "".join(f"{a + 1}-{b}".rjust(9) for a, b in BINS) + "1-100".rjust(9))
    for spec in argv[1:]:
        name, path = spec.split("=", 1)
        acc = [float(row["mean_accuracy"]) for row in csv.DictReader(open(path))]
        means = [sum(acc[a:b]) / (b - a) for a, b in BINS] + [sum(acc[:100]) / 100]
        print(name.ljust(12) + "".join(f"{m:9.3f}" for m in means))


if __name__ == "__main__":
    main(sys.argv)
