"""Expected time of one ES iteration of the paper-scale configuration (experiments/paper-scale.json:
1,024 pairs, 500-step episodes, 784x10) on N ranks of one thread each, for three protocols.

Inputs, all measured on one machine (docs/CLUSTER.md gives the commands):
  MEMBER_S  one member's 500-step episode on one thread (vsml bench --layers 784,10 --population 2 --threads 1)
  TELL_S    the ES update at 1,024 pairs on one thread, which every rank repeats (vsml train with 1-step episodes)
Network parameters are assumptions, not measurements: latency alpha and bandwidth beta of
10 GbE over TCP and of InfiniBand HDR.

Usage: python3 experiments/mpi-scaling-model.py MEMBER_S TELL_S
"""
import math
import sys

member_s, tell_s = float(sys.argv[1]), float(sys.argv[2])
PAIRS, DIMENSION = 1024, 2384
MEMBERS = 2 * PAIRS
FITNESS_BYTES = PAIRS * 4 * 8        # vsml gathers (loss, accuracy) of both members as doubles
GRADIENT_BYTES = DIMENSION * 4       # the authors' all-reduce of a float32 gradient
PARAMETER_BYTES = MEMBERS * DIMENSION * 4  # rank 0 ships every member's parameters
NETWORKS = {"10 GbE": (25e-6, 1.25e9), "InfiniBand HDR": (2e-6, 25e9)}


def row(n, alpha, beta):
    compute = math.ceil(MEMBERS / n) * member_s
    steps = math.ceil(math.log2(n)) if n > 1 else 0
    frac = (n - 1) / n
    # vsml: the whole ES update on every rank (bit-identical for any N), one allgather of the
    # fitness values plus one of the timings and a barrier (three latency-bound collectives).
    allgather = 3 * alpha * steps + frac * FITNESS_BYTES / beta
    vsml = compute + tell_s + allgather
    # Gradient all-reduce: each rank rebuilds only its members' noise, then Rabenseifner's all-reduce.
    allreduce = 2 * alpha * steps + 2 * frac * GRADIENT_BYTES / beta
    gradient = compute + tell_s / n + allreduce
    # Shipping parameters: rank 0 sends every member's vector (bandwidth of one link), then gathers.
    shipping = compute + frac * PARAMETER_BYTES / beta + 2 * alpha * steps + tell_s
    return compute, allgather, vsml, allreduce, gradient, shipping


for name, (alpha, beta) in NETWORKS.items():
    print(f"\n{name} (assumed alpha {alpha * 1e6:.0f} us, beta {beta / 1e9:.2f} GB/s)\n")
    print("| ranks | members per rank | compute | vsml: allgather | vsml: iteration | gradient all-reduce | iteration with all-reduce | iteration shipping parameters |")
    print("|---|---|---|---|---|---|---|---|")
    for n in [1, 8, 32, 128, 512]:
        compute, allgather, vsml, allreduce, gradient, shipping = row(n, alpha, beta)
        print(f"| {n} | {math.ceil(MEMBERS / n)} | {compute:.1f} s | {allgather * 1e3:.2f} ms | {vsml:.2f} s "
              f"| {allreduce * 1e3:.2f} ms | {gradient:.2f} s | {shipping:.2f} s |")
