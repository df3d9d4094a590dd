#!/usr/bin/env bash
# Meta-train the four meta-learned baselines of docs/RESULTS.md section 4 with the same ES as VSML,
# each for 60 CPU-minutes (schedule.maxCPUMinutes in each config), one thread each, all four at
# once; then meta-test each with the protocol of spec section 7 and plot their validation curves.
# Usage: experiments/baselines.sh DATA_DIR [RUNS_DIR]
set -euo pipefail
data=${1:?data directory}; runs=${2:-runs}
vsml=.build/release/vsml
models=(meta-rnn fw-memory hebbian fwp)
mkdir -p "$runs/eval"
for m in "${models[@]}"; do
  "$vsml" train --config "experiments/$m.json" --out "$runs/$m" --data-dir "$data" --threads 1 > "$runs/$m.log" 2>&1 &
done
wait
for m in "${models[@]}"; do
  "$vsml" evaluate --checkpoint "$runs/$m" --datasets fashion-mnist,mnist --episodes 32 --steps 2000 --seed 0 \
    --data-dir "$data" --out "$runs/eval/$m" --json > "$runs/eval/$m.json"
done
"$vsml" plot "${models[@]/#/$runs/}" --x cpu_s --y validation_accuracy --smoothing 1 \
  --title "MNIST validation accuracy during ES (baselines, 60 CPU-minutes each)" --out docs/figures/validation-baselines.svg
