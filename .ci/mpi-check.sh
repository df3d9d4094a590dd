#!/usr/bin/env bash
# Open MPI check: builds the MPI-enabled vsml, then under mpirun checks that 2 and 3 ranks of 1 or 2
# threads give the same run as one process, that a stopped run resumes under another rank count,
# that SIGUSR1 to mpirun checkpoints and exits 0, that a rank killed with -9 stops the job within
# 60 s naming the rank and leaves a checkpoint that resumes, and that a rank with other data fails at
# start-up.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v mpirun >/dev/null || ! pkg-config --exists ompi-c; then
  apt-get update -qq && apt-get install -y -qq libopenmpi-dev openmpi-bin
fi
swift build -c release --traits MPI --scratch-path .build/mpi 2>&1 | tail -1
vsml=$PWD/.build/mpi/release/vsml
mpi=(mpirun --allow-run-as-root --oversubscribe)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
config=.ci/mpi/tiny.json
fail() { echo "MPI check failed: $*"; exit 1; }
# stop_iteration LOG: the iteration of the log's "stopped at iteration N" message (empty if none).
stop_iteration() { grep -ao 'stopped at iteration [0-9]*' "$1" | grep -o '[0-9]*$' | tail -1 || true; }
# show LOG: the end of a log, one progress line per line.
show() { tr '\r' '\n' < "$1" | tail -20; }
# rank_pid RANK PATTERN: the process of that MPI rank whose command line matches PATTERN (not mpirun).
rank_pid() {
  for p in $(pgrep -f "$2"); do
    if tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then echo $p; fi
  done
  return 0
}

echo "== bit-identity: 1 process against 2 and 3 ranks of 1 or 2 threads"
"$vsml" train --config $config --threads 1 --out "$work/one" > "$work/one.log"
for case in "2 1" "2 2" "3 1" "3 2"; do
  set -- $case
  "${mpi[@]}" -np $1 "$vsml" train --config $config --threads $2 --out "$work/np$1x$2" > "$work/np$1x$2.log" 2>&1 \
    || { show "$work/np$1x$2.log"; fail "mpirun -np $1 exited non-zero"; }
  grep -q "$1 ranks x $2 threads" "$work/np$1x$2.log" || fail "the run did not report $1 ranks"
  python3 .ci/mpi/same-run.py "$work/one" "$work/np$1x$2"
done

echo "== the Meta RNN baseline and vsml evaluate: 3 ranks against one process"
"$vsml" train --config $config --model meta-rnn --threads 1 --out "$work/rnn-one" > /dev/null
"${mpi[@]}" -np 3 "$vsml" train --config $config --model meta-rnn --threads 1 --out "$work/rnn-np3" > /dev/null 2>&1 || fail "meta-rnn on 3 ranks"
python3 .ci/mpi/same-run.py "$work/rnn-one" "$work/rnn-np3"
evaluate=(evaluate --checkpoint "$work/one" --datasets sum,random --episodes 7 --steps 60 --threads 1 --json)
"$vsml" "${evaluate[@]}" > "$work/evaluate-one.json"
"${mpi[@]}" -np 3 "$vsml" "${evaluate[@]}" > "$work/evaluate-np3.json" 2> "$work/evaluate-np3.err" || { show "$work/evaluate-np3.err"; fail "evaluate on 3 ranks"; }
cmp "$work/evaluate-one.json" "$work/evaluate-np3.json" || fail "vsml evaluate on 3 ranks printed another result"
echo "same evaluation: $(python3 -c "import json; d=json.load(open('$work/evaluate-np3.json'))['datasets']; print({k: round(v['mean_accuracy'], 4) for k, v in d.items()})")"

echo "== a run started on 2 ranks continues in 1 process and on 3 ranks"
"${mpi[@]}" -np 2 "$vsml" train --config $config --threads 1 --iterations 2 --out "$work/split" > /dev/null 2>&1 || fail "2-rank start"
"$vsml" train --resume "$work/split" --iterations 4 --threads 1 > /dev/null || fail "1-process resume"
"${mpi[@]}" -np 3 "$vsml" train --resume "$work/split" --iterations 6 --threads 1 > /dev/null 2>&1 || fail "3-rank resume"
# The straight run's config.json says 6 iterations where the split run's says 2; compare the rest.
cp "$work/split/config.json" "$work/split.config.json"; cp "$work/one/config.json" "$work/split/config.json"
python3 .ci/mpi/same-run.py "$work/one" "$work/split"

echo "== SIGUSR1 to mpirun: the ranks agree to stop, rank 0 checkpoints, all exit 0"
long=(--config $config --threads 1 --iterations 100000 --set schedule.checkpointEvery=1000 --set schedule.evaluateEvery=1000)
"${mpi[@]}" -np 2 "$vsml" train "${long[@]}" --out "$work/usr1" > "$work/usr1.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "iter " "$work/usr1.log" 2>/dev/null && break; sleep 0.2; done
sleep 1
kill -USR1 $pid
wait $pid || { show "$work/usr1.log"; fail "mpirun exited $? after SIGUSR1"; }
grep -q "stopped at iteration" "$work/usr1.log" || fail "no stop message"
stopped=$(python3 -c "import json; print(json.load(open('$work/usr1/checkpoint.json'))['iteration'])")
echo "stopped at iteration $stopped; continuing it in one process to $((stopped + 2))"
"$vsml" train --resume "$work/usr1" --iterations $((stopped + 2)) --threads 1 > /dev/null
"$vsml" train "${long[@]}" --iterations $((stopped + 2)) --out "$work/usr1-straight" > /dev/null
cp "$work/usr1-straight/config.json" "$work/usr1/config.json"
python3 .ci/mpi/same-run.py "$work/usr1-straight" "$work/usr1"

echo "== SIGTERM to mpirun: Open MPI aborts the job (exit 1) but first forwards SIGTERM; the ranks stop and checkpoint"
"${mpi[@]}" -np 2 "$vsml" train "${long[@]}" --out "$work/term" > "$work/term.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "iter " "$work/term.log" 2>/dev/null && break; sleep 0.2; done
sleep 1
kill -TERM $pid
wait $pid || true
stopped=$(stop_iteration "$work/term.log")
at=$(python3 -c "import json; print(json.load(open('$work/term/checkpoint.json'))['iteration'])" 2>/dev/null || echo none)
[ -n "$stopped" ] && [ "$at" = "$stopped" ] || { show "$work/term.log"; fail "no checkpoint at the stop (checkpoint $at, stop '$stopped')"; }
echo "stopped and checkpointed at iteration $at"

echo "== SIGTERM to every rank (as Slurm sends to srun's tasks): all stop together, checkpoint, exit 0"
"${mpi[@]}" -np 2 "$vsml" train "${long[@]}" --out "$work/tasks" > "$work/tasks.log" 2>&1 &
pid=$!
for _ in $(seq 100); do grep -q "iter " "$work/tasks.log" 2>/dev/null && break; sleep 0.2; done
sleep 1
kill -TERM $(rank_pid 0 "$work/tasks") $(rank_pid 1 "$work/tasks")
wait $pid || { show "$work/tasks.log"; fail "mpirun exited non-zero after SIGTERM to its ranks"; }
stopped=$(stop_iteration "$work/tasks.log")
at=$(python3 -c "import json; print(json.load(open('$work/tasks/checkpoint.json'))['iteration'])")
[ -n "$stopped" ] && [ "$at" = "$stopped" ] || fail "no checkpoint at the stop (checkpoint $at, stop '$stopped')"
echo "stopped and checkpointed at iteration $at; mpirun exited 0"

echo "== kill -9 of rank 1: the job stops within 60 s naming the rank; the checkpoint resumes"
"${mpi[@]}" -np 3 "$vsml" train "${long[@]}" --set schedule.checkpointEvery=5 --out "$work/killed" > "$work/killed.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -f "$work/killed/checkpoint.json" ] && break; sleep 0.2; done
victim=$(rank_pid 1 "$work/killed")
[ -n "$victim" ] || fail "rank 1 not found"
kill -9 "$victim"
start=$(date +%s)
for _ in $(seq 600); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -0 $pid 2>/dev/null && { kill -9 $pid; fail "mpirun still running 60 s after rank 1 died"; }
wait $pid && fail "mpirun exited 0 after a rank died"
echo "stopped after $(( $(date +%s) - start )) s"
grep -q "rank 1" "$work/killed.log" || { show "$work/killed.log"; fail "the message does not name rank 1"; }
at=$(python3 -c "import json; print(json.load(open('$work/killed/checkpoint.json'))['iteration'])")
"$vsml" train --resume "$work/killed" --iterations $((at + 2)) --threads 1 > /dev/null || fail "resume after the kill"
echo "resumed from iteration $at"

echo "== a rank whose data differs, or is missing, fails at start-up, naming the rank"
# Each rank runs in its own folder and reads csv:t.csv there: the same name, other contents.
mkdir -p "$work/rank0" "$work/rank1" "$work/rank2"
{ echo a,b,label; for i in $(seq 40); do echo "$i,$((i % 7)),$((i % 2))"; done; } > "$work/rank0/t.csv"
sed 's/^40,5,0$/40,5,1/' "$work/rank0/t.csv" > "$work/rank1/t.csv"  # one label differs
cp "$work/rank0/t.csv" "$work/rank2/t.csv"
cat > "$work/in-rank-folder.sh" <<SCRIPT
#!/bin/sh
cd "$work/rank\${OMPI_COMM_WORLD_RANK}" && exec "\$@"
SCRIPT
chmod +x "$work/in-rank-folder.sh"
check_refused() {  # check_refused PATTERN COMMAND...: mpirun must fail and print PATTERN
  local pattern=$1; shift
  if "${mpi[@]}" -np 3 "$work/in-rank-folder.sh" "$@" > "$work/refused.log" 2>&1; then show "$work/refused.log"; fail "not refused: $*"; fi
  grep -q "$pattern" "$work/refused.log" || { show "$work/refused.log"; fail "no '$pattern' in the message"; }
  grep "$pattern" "$work/refused.log" | head -1
}
check_refused "rank 1 differs from rank 0 in data" "$vsml" evaluate --model sgd --datasets csv:t.csv --episodes 2 --steps 5 --threads 1
csv=(--set 'data.tasks=[{"task":{"dataset":"csv:t.csv"},"weight":1}]' --set 'validation.tasks=[{"dataset":"csv:t.csv"}]'
  --set validation.episodes=2 --set validation.steps=10 --iterations 2 --threads 1)
check_refused "rank 1 differs from rank 0 in data" "$vsml" train "${csv[@]}" --out "$work/differs"
[ ! -e "$work/differs/checkpoint.json" ] || fail "a refused run wrote a checkpoint"
rm "$work/rank2/t.csv"
check_refused "rank 2 could not start" "$vsml" train "${csv[@]}" --out "$work/missing"
data=${VSML_DATA_DIR:-../shared/datasets}
if [ -f "$data/train-images-idx3-ubyte.gz" ] || [ -f "$data/mnist/train-images-idx3-ubyte.gz" ]; then
  echo "== the README's flow on the default configuration: 2 ranks for 3 iterations, then 1 process to 5"
  "${mpi[@]}" -np 2 "$vsml" train --iterations 3 --data-dir "$data" --out "$work/default" > "$work/default.log" 2>&1 \
    || { show "$work/default.log"; fail "mpirun -np 2 vsml train --iterations 3"; }
  "$vsml" train --resume "$work/default" --iterations 5 --data-dir "$data" > /dev/null || fail "resume to 5 in one process"
  rows=$(($(wc -l < "$work/default/metrics.csv") - 1))
  [ "$rows" = 5 ] || fail "metrics.csv has $rows rows, not 5"
  echo "one run directory, 5 iterations"
else
  echo "(MNIST not found in $data: skipping the default-configuration flow)"
fi
echo "MPI check passed"
