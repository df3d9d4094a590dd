#!/usr/bin/env bash
# Model selection for the tables-trained `general`, on validation splits only: each candidate is
# meta-tested on MNIST (28x28, validation split) and on fresh generated tables (clusters and
# teacher at their default size, 16 features and 4 classes, a new task per episode), 16 episodes of
# 1,000 examples, seed 1. The score is the mean of the three; the highest is shipped.
# usage: experiments/general-tables/select.sh VSML DATA_DIR CANDIDATE...
set -euo pipefail
vsml=$1 data=$2; shift 2
for candidate in "$@"; do
  "$vsml" evaluate --checkpoint "$candidate" --datasets mnist,clusters,teacher --episodes 16 --steps 1000 --seed 1 \
    --split validation --data-dir "$data" --json
done
