#!/usr/bin/env python3
"""Table of the plateau runs: when each left chance, and what it learned.

usage: summarise.py RUNS_DIR [VSML DATA_DIR]
  RUNS_DIR holds one run directory per config of experiments/plateau (same names).
  With VSML and DATA_DIR, each run's final meta-parameters are also meta-tested on the
  Fashion-MNIST *validation* split (8 episodes x 500 examples, seed 0).
"""
import csv, json, os, subprocess, sys

WINDOW = 25      # iterations averaged before comparing with the threshold
MARGIN = 0.05    # training accuracy this far above chance counts as off the plateau
CLASSES = {"sum": 2}  # classes of the datasets that do not have 10

def row(run, vsml=None, data=None):
    with open(os.path.join(run, "metrics.csv")) as f:
        rows = list(csv.DictReader(f))
    acc = [float(r["mean_accuracy"]) for r in rows]
    config = json.load(open(os.path.join(run, "config.json")))
    dataset = config["data"]["tasks"][0]["task"]["dataset"]
    threshold = 1 / CLASSES.get(dataset, 10) + MARGIN
    left = next((i + 1 for i in range(WINDOW - 1, len(acc)) if sum(acc[i - WINDOW + 1:i + 1]) / WINDOW >= threshold), None)
    vals = [(int(float(r["iteration"])), float(r["validation_accuracy"])) for r in rows if r["validation_accuracy"] not in ("nan", "")]
    best = max(vals, key=lambda v: v[1]) if vals else None
    hp = config["es"]["hyperparameters"]
    schedule = hp["learningRateSchedule"]
    lr = f'{hp["learningRate"]:g}' + (f' → {schedule["linearDecay"]["final"]:g}' if "linearDecay" in schedule else "")
    side = next((t["resize"]["side"] for t in config["data"]["tasks"][0]["task"].get("transforms", []) if "resize" in t), 28)
    bias = config["model"].get("initialGateBias")
    fashion = ""
    if vsml:
        out = subprocess.run([vsml, "evaluate", "--checkpoint", os.path.join(run, "checkpoint.safetensors"), "--datasets", "fashion-mnist",
                              "--episodes", "8", "--steps", "500", "--split", "validation", "--threads", "1", "--data-dir", data, "--json"],
                             capture_output=True, text=True, check=True).stdout
        fashion = f'{json.loads(out)["datasets"]["fashion-mnist"]["mean_accuracy"]:.3f}'
    return [os.path.basename(run), config["data"]["tasks"][0]["task"]["dataset"], f"{side}x{side}", lr,
            hp.get("sigma", 0.05), hp.get("fitnessShaping", "raw"), "i=+%g" % bias[0] if bias else "", config["seed"],
            len(rows), left or "—", f"{best[1]:.3f} (it {best[0]})" if best else "—", fashion]

header = ["run", "trained on", "input", "Adam step", "sigma", "fitness", "gate bias", "seed", "iterations run",
          "left chance at", "best validation (trained dataset, 28x28)", "Fashion-MNIST validation (final)"]
runs = sorted(os.path.join(sys.argv[1], d) for d in os.listdir(sys.argv[1]) if os.path.exists(os.path.join(sys.argv[1], d, "metrics.csv")))
print("| " + " | ".join(header) + " |")
print("|" + "---|" * len(header))
for r in runs:
    print("| " + " | ".join(str(c) for c in row(r, *sys.argv[2:4])) + " |")
