#!/usr/bin/env bash
# ES against gradient meta-training on 14x14 MNIST at the same CPU budget (6 CPU-minutes per run,
# validation not counted), three seeds each, two runs at a time on one thread each.
# Usage: experiments/es-vs-gradient/run.sh [VSML_BINARY] [RUNS_DIR]   (resumes finished/partial runs)
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
for seed in 0 1 2; do
  train es "$seed" &
  train gradient "$seed" &
  wait
done
