#!/usr/bin/env bash
# Fuzz pass: builds the libFuzzer binary of Sources/VSMLFuzz and runs every target for SECONDS
# (default 30) from a copy of the committed corpus (Tests/Fuzz/corpus/TARGET), all targets at once.
# A crash, a hang (an input over 10 s) or memory over 2 GB fails the pass; the input is saved under
# OUT/TARGET/ (default runs/fuzz). Afterwards the committed crashers (Tests/Fuzz/crashers/TARGET)
# and the corpus are replayed through the normal build, as regression tests.
# Usage: .ci/fuzz.sh [SECONDS] [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
out=${2:-runs/fuzz}
targets=(idx csv safetensors configuration checkpoint learner yaml manifest)
swift build -c release --product VSMLFuzz --sanitize=fuzzer -Xswiftc -DFUZZING --scratch-path .build/fuzz 2>&1 | tail -1
fuzzer=$PWD/.build/fuzz/release/VSMLFuzz
rm -rf "$out" && mkdir -p "$out"
pids=()
for t in "${targets[@]}"; do
  mkdir -p "$out/$t/corpus"
  cp Tests/Fuzz/corpus/$t/* "$out/$t/corpus/"
  VSML_FUZZ_TARGET=$t "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 \
    -artifact_prefix="$out/$t/" -print_final_stats=1 "$out/$t/corpus" > "$out/$t.log" 2>&1 &
  pids+=($!)
done
failed=0
for i in "${!targets[@]}"; do
  t=${targets[$i]}
  if wait "${pids[$i]}"; then status=ok; else status=FAILED; failed=1; fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
  echo "fuzz $t: $status, ${runs:-?} inputs in ${seconds} s, corpus $(ls "$out/$t/corpus" | wc -l) files"
  [ $status = ok ] || { grep -E "ERROR|Fatal|panic|SUMMARY|artifact" "$out/$t.log" | head -5; ls "$out/$t/" | grep -v corpus || true; }
done
swift build -c release --product VSMLFuzz 2>&1 | tail -1
for t in "${targets[@]}"; do .build/release/VSMLFuzz $t Tests/Fuzz/corpus/$t Tests/Fuzz/crashers/$t; done
exit $failed
