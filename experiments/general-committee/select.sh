#!/usr/bin/env bash
# Stage 6 of `general`: committees of stage 5's file with a learner meta-trained from scratch,
# built by `vsml committee` and scored on validation splits only by the stage-5 rule
# (experiments/general-tables/select.sh: MNIST 28x28 and fresh generated tables, 16 episodes of
# 1,000 examples, seed 1). Run from the repository root.
# usage: experiments/general-committee/select.sh VSML DATA_DIR OUT_DIR
set -euo pipefail
vsml=$1 data=$2 out=$3
mkdir -p "$out"
stage5=experiments/general-tables/deep-scales/early/best-60.safetensors
phase4=experiments/general-tables/phase4/best.safetensors
for share in 0 0.01 0.05; do "$vsml" committee "$stage5" "$phase4" --share "$share" --out "$out/stage5+phase4-share$share.safetensors" >&2; done
"$vsml" committee "$stage5" scratch --out "$out/stage5+scratch-share0.01.safetensors" >&2
"$vsml" committee "$stage5" "$phase4" scratch --out "$out/stage5+phase4+scratch-share0.01.safetensors" >&2
experiments/general-tables/select.sh "$vsml" "$data" "$out"/stage5+phase4-share{0,0.01,0.05}.safetensors \
  "$out/stage5+scratch-share0.01.safetensors" "$out/stage5+phase4+scratch-share0.01.safetensors"
