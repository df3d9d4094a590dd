#!/usr/bin/env bash
# Iteration time of the default configuration (vsml train on its embedded defaults) as 1 rank x 1
# thread, 1 rank x 2 threads and 2 ranks x 1 thread, with the communication columns. Needs the
# MPI-enabled build (swift build -c release --traits MPI --scratch-path .build/mpi) and MNIST.
# Usage: experiments/mpi-scaling.sh DATA_DIR [ITERATIONS]   -> runs/mpi-scaling/*, a table on stdout
set -euo pipefail
data=$1
iterations=${2:-30}
vsml=.build/mpi/release/vsml
out=runs/mpi-scaling
rm -rf "$out" && mkdir -p "$out"
mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to none)
# No validation inside the timed iterations; checkpoints only at the end.
common=(--iterations "$iterations" --data-dir "$data" --set schedule.evaluateEvery=0 --set schedule.checkpointEvery=100000)
"$vsml" train "${common[@]}" --threads 1 --out "$out/1x1" > /dev/null
"$vsml" train "${common[@]}" --threads 2 --out "$out/1x2" > /dev/null
"${mpi[@]}" -np 2 "$vsml" train "${common[@]}" --threads 1 --out "$out/2x1" > /dev/null
python3 - "$out" <<'PY'
import csv, statistics, sys
out = sys.argv[1]
print("| ranks x threads | median iteration_s | median comm_s | median wait_s | example-steps/s |")
print("|---|---|---|---|---|")
for case in ["1x1", "1x2", "2x1"]:
    rows = list(csv.DictReader(open(f"{out}/{case}/metrics.csv")))[2:]  # the first two warm up
    med = lambda k: statistics.median(float(r[k]) for r in rows)
    print(f"| {case.replace('x', ' x ')} | {med('iteration_s'):.4f} | {med('comm_s') * 1e6:.0f} us | {med('wait_s') * 1e6:.0f} us | {med('example_steps_per_s'):,.0f} |")
PY
