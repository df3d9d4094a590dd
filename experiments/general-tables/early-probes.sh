#!/usr/bin/env bash
# Probes of how fast stage 5's file (`general` when they ran; its first member since stage 6)
# learns over its first examples, on validation splits only (MNIST
# 28x28 and fresh generated tables, 16 episodes of 300 examples, seed 1): hand-scaled learning
# rates and hidden widths of the shipped file (not meta-training: probes), and online learners
# for reference. Then MNIST curves of 200 examples (32 episodes) for curve-bins.py.
# usage: experiments/general-tables/early-probes.sh VSML DATA_DIR OUT_DIR > early-probes.jsonl
set -euo pipefail
vsml=$1 data=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
src=experiments/general-tables/deep-scales/early/best-60.safetensors
mkdir -p "$out"
cp "$src" "$out/general.safetensors"
for f in 0.5 1.5 2.5 4 8; do python3 "$here/deep-relative/probe.py" "$src" "$out/lr$f.safetensors" lr "$f"; done
for w in 16 64 128; do python3 "$here/deep-relative/probe.py" "$src" "$out/width$w.safetensors" width "$w"; done
evaluate() { "$vsml" evaluate --datasets "$1" --episodes 16 --steps 300 --seed 1 --split validation --data-dir "$data" --json "${@:2}"; }
for c in "$out/general.safetensors" "$out"/lr{0.5,1.5,2.5}.safetensors "$out"/width{16,64,128}.safetensors; do
  evaluate mnist,clusters,teacher --checkpoint "$c"
done
for c in scratch experiments/general-tables/phase4/best.safetensors; do evaluate mnist --checkpoint "$c"; done
for m in sgd mlp-sgd adam mlp-adam; do evaluate mnist --model "$m"; done
for c in "$out/general.safetensors" "$out"/lr{2.5,4,8}.safetensors scratch; do
  name=$(basename "$c" .safetensors)
  "$vsml" evaluate --checkpoint "$c" --datasets mnist --episodes 32 --steps 200 --seed 1 --split validation \
    --data-dir "$data" --out "$out/curve-$name" > /dev/null
done
