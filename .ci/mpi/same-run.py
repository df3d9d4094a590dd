"""Exits non-zero unless two run directories hold the same run: parameter files byte for byte,
checkpoint.json without its timing fields, and metrics.csv without its timing columns."""
import csv, json, os, sys

TIMING_COLUMNS = {"wall_s", "cpu_s", "iteration_s", "example_steps_per_s", "wait_s", "comm_s"}
TIMING_FIELDS = {"wallSeconds", "cpuSeconds"}


def contents(run):
    out = {}
    checkpoint = json.load(open(os.path.join(run, "checkpoint.json")))
    files = ["checkpoint.safetensors", "best.safetensors", checkpoint["stateSidecar"]]
    for name in files:
        out[name] = open(os.path.join(run, name), "rb").read()
    out["checkpoint.json"] = {k: v for k, v in checkpoint.items() if k not in TIMING_FIELDS}
    rows = list(csv.DictReader(open(os.path.join(run, "metrics.csv"))))
    out["metrics.csv"] = [{k: v for k, v in row.items() if k not in TIMING_COLUMNS} for row in rows]
    return out


a, b = contents(sys.argv[1]), contents(sys.argv[2])
different = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
if different:
    print(f"{sys.argv[1]} and {sys.argv[2]} differ in: {', '.join(different)}")
    sys.exit(1)
print(f"same run: {sys.argv[1]} = {sys.argv[2]} ({len(a['metrics.csv'])} iterations)")
