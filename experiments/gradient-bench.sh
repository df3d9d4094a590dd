#!/usr/bin/env bash
# One gradient meta-step over one 500-step episode of the 784x10 network, side by side: the
# authors' jax.value_and_grad (bench_vsml.py --case vsml_grad, in the venvs of the peer set-up)
# and `vsml bench --gradient`, alternating, each under /usr/bin/time -v for peak memory.
# usage: experiments/gradient-bench.sh VSML PEER_DIR SRC VENV [ROUNDS] > results.jsonl
set -euo pipefail
vsml=$1 peer=$2 src=$3 venv=$4 rounds=${5:-3}
for round in $(seq "$rounds"); do
  log=$(mktemp)
  /usr/bin/time -v "$venv/bin/python" "$peer/bench_vsml.py" "$src" --case vsml_grad --repeats 3 2> "$log" |
    python3 -c 'import json,sys; d=json.loads(sys.stdin.readlines()[-1]); print(json.dumps({"side": "jax", "jax": d["jax"], "meta_step_s": d["median_s"], "times_s": d["times_s"], "ru_maxrss_mib": d["ru_maxrss_mib"]}))'
  /usr/bin/time -v "$vsml" bench --gradient --population 1 --steps 500 --json 2> "$log" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({"side": "vsml", "threads": d["threads"], "kernel": d["kernel"], "meta_step_s": d["meta_step_s"], "forward_s": d["forward_s"], "peak_resident_mib": d["peak_resident_bytes"] / 2**20}))'
  grep "Maximum resident" "$log" | sed 's/^\s*/# vsml /' >&2
  rm -f "$log"
done
