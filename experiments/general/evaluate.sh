#!/usr/bin/env bash
# Meta-test of the `general` learner against online SGD (linear, lr 0.01) on the same streams:
# Fashion-MNIST and MNIST at 28x28, and four tabular sets it never saw (tabular.py), 32 episodes
# of 2,000 examples, seed 0, on the test split (SPLIT=validation for the validation split).
# usage: experiments/general/evaluate.sh VSML DATA_DIR TABULAR_DIR [LEARNER]
set -euo pipefail
vsml=$1 data=$2 tab=$3 learner=${4:-general}
split=${SPLIT:-test}
csv=""
for name in iris wine breast-cancer digits; do csv="$csv,csv:$tab/$name-train.csv,$tab/$name-test.csv"; done
sets="fashion-mnist,mnist$csv"
for who in "--checkpoint $learner" "--model sgd"; do
  # shellcheck disable=SC2086
  "$vsml" evaluate $who --datasets "$sets" --episodes 32 --steps 2000 --seed 0 --split "$split" --data-dir "$data" --no-header --json
done
