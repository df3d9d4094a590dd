#!/usr/bin/env bash
# Selection for `learned`, on validation splits only (docs/EXPERIMENTS.md, section `learned`):
# MNIST at 28x28 and fresh `clusters` and `teacher` tables (16 features, 4 classes), 16 episodes
# of 1,000 examples, seed 1; each candidate, then the references: the starts, online SGD and the
# online MLPs at their default rates and at the rate --tune-lr picks on the validation split.
# usage: experiments/learned/select.sh VSML DATA_DIR CANDIDATE... > experiments/learned/selection.jsonl
set -euo pipefail
vsml=$1 data=$2; shift 2
common=(--datasets mnist,clusters,teacher --episodes 16 --steps 1000 --seed 1 --split validation --data-dir "$data" --json)
for learner in "$@" backprop-random-init improved scratch; do
  "$vsml" evaluate --checkpoint "$learner" "${common[@]}"
done
for model in sgd mlp-sgd mlp-adam; do
  "$vsml" evaluate --model "$model" "${common[@]}"
  "$vsml" evaluate --model "$model" --tune-lr "${common[@]}"
done
