#!/usr/bin/env bash
# The bf16 precision mode judged by learning (docs/PERFORMANCE.md, "Reduced precision"):
# (b) from-scratch ES runs in fp32 and bf16, same seed and budget (experiments/scratch-default.json,
#     600 iterations); (a) the shipped learners meta-tested in both precisions, 32 x 2,000, seed 0.
# Usage: experiments/bf16-validation.sh DATA_DIR [OUT_DIR]   (OUT_DIR default runs/bf16)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:?usage: bf16-validation.sh DATA_DIR [OUT_DIR]}
OUT=${2:-runs/bf16}
VSML=.build/release/vsml
mkdir -p "$OUT"
for p in fp32 bf16; do
  if [ -f "$OUT/scratch-$p/checkpoint.json" ]; then
    $VSML train --resume "$OUT/scratch-$p" --iterations 600 --data-dir "$DATA" > "$OUT/scratch-$p.log" 2>&1
  else
    $VSML train --config experiments/scratch-default.json --iterations 600 --precision $p \
      --data-dir "$DATA" --out "$OUT/scratch-$p" > "$OUT/scratch-$p.log" 2>&1
  fi
done
for learner in scratch backprop backprop-deep improved; do
  for p in fp32 bf16; do
    $VSML evaluate --checkpoint $learner --datasets fashion-mnist,mnist --episodes 32 --steps 2000 \
      --seed 0 --precision $p --data-dir "$DATA" --json > "$OUT/eval-$learner-$p.json"
  done
done
echo done > "$OUT/done"
