#!/usr/bin/env python3
"""Table of the ES-versus-gradient runs, and the meta-test of each route's best learner.

usage: summarise.py RUNS_DIR [VSML DATA_DIR]
  RUNS_DIR holds the run directories that run.sh makes (ROUTE-seedN).
  With VSML and DATA_DIR, the learner with the best validation accuracy of each route (chosen on
  the validation split only) is meta-tested on the Fashion-MNIST and MNIST *test* splits with the
  standard protocol: 32 episodes of 2,000 examples at 28x28, seed 0.
"""
import csv, json, os, subprocess, sys

def summary(run):
    rows = list(csv.DictReader(open(os.path.join(run, "metrics.csv"))))
    config = json.load(open(os.path.join(run, "config.json")))
    gradient = config.get("meta", {}).get("optimizer") == "gradient"
    length = config["data"]["episodeLength"]
    per = config["meta"]["gradient"]["episodes"] if gradient else 2 * config["es"]["pairs"]
    vals = [(int(float(r["iteration"])), float(r["validation_accuracy"]), float(r["cpu_s"])) for r in rows
            if r["validation_accuracy"] not in ("nan", "")]
    best = max(vals, key=lambda v: v[1])
    return dict(run=os.path.basename(run), gradient=gradient, seed=config["seed"], iterations=len(rows),
                cpu_min=float(rows[-1]["cpu_s"]) / 60, steps=len(rows) * per * length / 1e6,
                best=best, final=vals[-1][1],
                lr=config["meta"]["gradient"]["learningRate"] if gradient else config["es"]["hyperparameters"]["learningRate"],
                per=per)

runs_dir = sys.argv[1]
runs = sorted(os.path.join(runs_dir, d) for d in os.listdir(runs_dir) if os.path.isfile(os.path.join(runs_dir, d, "metrics.csv")))
table = [summary(r) for r in runs]
print("| run | route | step size | episodes per update | updates | CPU min | example-steps (M) | best validation (update) | final validation |")
print("|---|---|---|---|---|---|---|---|---|")
for s in table:
    print(f'| {s["run"]} | {"gradient" if s["gradient"] else "ES"} | {s["lr"]:g} | {s["per"]} | {s["iterations"]} | {s["cpu_min"]:.1f} | '
          f'{s["steps"]:.2f} | {s["best"][1]:.3f} ({s["best"][0]}) | {s["final"]:.3f} |')
if len(sys.argv) > 3:
    vsml, data = sys.argv[2], sys.argv[3]
    for route in (False, True):
        mine = [s for s in table if s["gradient"] == route]
        if not mine:
            continue
        best = max(mine, key=lambda s: s["best"][1])
        out = subprocess.run([vsml, "evaluate", "--checkpoint", os.path.join(runs_dir, best["run"], "best.safetensors"),
                              "--datasets", "fashion-mnist,mnist", "--episodes", "32", "--steps", "2000", "--seed", "0",
                              "--data-dir", data, "--json"], capture_output=True, text=True, check=True).stdout
        result = json.loads(out)["datasets"]
        print(f'{"gradient" if route else "ES"} best ({best["run"]}, validation {best["best"][1]:.3f}): ' + ", ".join(
            f'{name} {r["mean_accuracy"]:.3f} ± {r.get("ci95", float("nan")):.3f}' for name, r in result.items()))
