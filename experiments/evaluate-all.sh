#!/usr/bin/env bash
# Meta-test every learner of docs/RESULTS.md with the protocol of spec section 7 (test split,
# 32 episodes x 2,000 examples, seed 0: the same example streams for every learner).
# Usage: experiments/evaluate-all.sh DATA_DIR OUT_DIR [learner ...]
set -euo pipefail
data=${1:?data directory}; out=${2:?output directory}; shift 2
learners=("$@")
[ ${#learners[@]} -gt 0 ] || learners=(scratch backprop backprop-random-init improved init sgd adam mlp-sgd mlp-adam)
vsml=.build/release/vsml
mkdir -p "$out"
for l in "${learners[@]}"; do
  case $l in
    sgd|adam|mlp-sgd|mlp-adam|deep-backprop-teacher) what=(--model "$l") ;;
    *) what=(--checkpoint "$l") ;;
  esac
  echo "== $l"
  "$vsml" evaluate "${what[@]}" --datasets fashion-mnist,mnist --episodes 32 --steps 2000 --seed 0 \
    --data-dir "$data" --out "$out/$l" --json > "$out/$l.json"
  python3 -c "import json,sys; d=json.load(open('$out/$l.json'))['datasets']; print('  '.join(f\"{k}: {v['mean_accuracy']:.4f} ± {v['ci95']:.4f} (first 100: {v['first100_accuracy']:.3f}, final: {v['final_accuracy']:.3f})\" for k,v in d.items()))"
done
