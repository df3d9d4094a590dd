#!/usr/bin/env bash
# Side by side, in one run on this machine: the authors' JAX code and `vsml bench`, same case.
#
# Usage: compare.sh VSML_BIN [POPULATION] [THREADS] [-- extra vsml bench flags]
#   VSML_BIN    the project's release binary (for example .build/release/vsml)
#   POPULATION  parameter sets evaluated together (default 16); the reference vmaps over them
#   THREADS     2 (both cores, XLA defaults) or 1 (one pinned thread); default 2
# Needs PEER_HOME (default /tmp/vsml-peer) holding, once set up (see README.md here):
#   $PEER_HOME/src   an export of the reference repository (github:louiskirsch/vsml-neurips2021)
#   $PEER_HOME/venv  a Python venv with jax==0.4.30 jaxlib==0.4.30 dm-haiku==0.0.12 chex optax numpy
# Prints one JSON line per run: both throughputs (example-steps/s, 784x10 layer, 2 micro-ticks,
# batch 1) and their ratio; then, after RUNS runs (default 3), one line with every ratio and their
# median. Idle-gated; within a run each side is the median of its own repeats (REPEATS, default 3).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VSML=${1:?usage: compare.sh VSML_BIN [POPULATION] [THREADS] [-- extra vsml bench flags]}
POP=${2:-16}
TH=${3:-2}
shift $(( $# < 3 ? $# : 3 ))
[ "${1:-}" = "--" ] && shift
PEER_HOME=${PEER_HOME:-/tmp/vsml-peer}
PY=$PEER_HOME/venv/bin/python
[ -x "$PY" ] || { echo "no venv at $PEER_HOME/venv: see $HERE/README.md" >&2; exit 2; }
[ -f "$PEER_HOME/src/models.py" ] || { echo "no reference export at $PEER_HOME/src: see $HERE/README.md" >&2; exit 2; }
T=${EPISODE_LENGTH:-500}
out=$(mktemp -d)
if [ "$TH" = 1 ]; then
  ENVV=(env "XLA_FLAGS=--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"); PIN=(taskset -c 0)
else
  ENVV=(env); PIN=()
fi
for run in $(seq "${RUNS:-3}"); do
  IDLE_MAX_WAIT=${IDLE_MAX_WAIT:-120} python3 "$HERE/wait_idle.py" >&2 || true
  "${ENVV[@]}" "${PIN[@]}" "$PY" -W ignore "$HERE/bench_vsml.py" "$PEER_HOME/src" --case vsml_fwd --pop "$POP" \
    --episode-length "$T" --repeats "${REPEATS:-3}" --out "$out/ref.jsonl" >"$out/ref.log" 2>&1 \
    || { echo "reference run failed: $(tail -3 "$out/ref.log")" >&2; exit 1; }
  IDLE_MAX_WAIT=${IDLE_MAX_WAIT:-120} python3 "$HERE/wait_idle.py" >&2 || true
  "$VSML" bench --layers 784,10 --population "$POP" --threads "$TH" --steps 200 --json "$@" >"$out/us.json" \
    || { echo "vsml bench failed" >&2; exit 1; }
  python3 - "$out/ref.jsonl" "$out/us.json" "$POP" "$TH" "$run" <<'EOF' | tee -a "$out/runs.jsonl"
import json, sys
ref = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
txt = open(sys.argv[2]).read(); us = json.loads(txt[txt.index('{'):])
r, u = ref['sample_steps_per_s'], us['example_steps_per_s']
print(json.dumps({"run": int(sys.argv[5]), "population": int(sys.argv[3]), "threads": int(sys.argv[4]),
                  "reference_example_steps_per_s": round(r, 1), "vsml_example_steps_per_s": round(u, 1),
                  "kernel": us.get("kernel"), "ratio": round(u / r, 2)}))
EOF
done
python3 - "$out/runs.jsonl" <<'EOF'
import json, statistics, sys
ratios = [json.loads(line)["ratio"] for line in open(sys.argv[1])]
print(json.dumps({"runs": len(ratios), "ratios": ratios, "median_ratio": statistics.median(ratios)}))
EOF
rm -rf "$out"
