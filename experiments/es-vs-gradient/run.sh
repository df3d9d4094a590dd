#!/usr/bin/env bash
# ES against gradient meta-training on 14x14 MNIST at the same CPU budget (6 CPU-minutes per run,
# validation not counted), three seeds each, two runs at a time on one thread each.
# Usage: experiments/es-vs-gradient/run.sh [VSML_BINARY] [RUNS_DIR] [variants]   (resumes partial runs)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
vsml=${1:-.build/release/vsml}
runs=${2:-runs/es-vs-gradient}
mkdir -p "$runs"
train() {  # route seed
  local dir="$runs/$1-seed$2"
  if [ -f "$dir/checkpoint.json" ]; then
    "$vsml" train --resume "$dir" --threads 1 > "$dir.log" 2>&1
  else
    "$vsml" train --config "$here/$1.json" --seed "$2" --threads 1 --out "$dir" > "$dir.log" 2>&1
  fi
}
if [ "${3:-}" != variants ]; then
  for seed in 0 1 2; do
    train es "$seed" &
    train gradient "$seed" &
    wait
  done
fi

# Variants of the gradient route (seed 0): Adam 0.01 instead of 1e-3, with 16 and with 4 episodes
# per update. Run with: experiments/es-vs-gradient/run.sh BIN RUNS variants
if [ "${3:-}" = variants ]; then
  train gradient-lr0.01 0 &
  train gradient-lr0.01-4ep 0 &
  wait
fi
