#!/usr/bin/env python3
"""Writes the meta-training family of the `learned` learner (experiments/learned/family.json).

No Fashion-MNIST and no real table: MNIST at several sizes, permuted, projected and with class
subsets; the synthetic `random` and `sum` tasks; and generated `clusters` and `teacher` tables
drawn fresh for each episode, from 2 to 100 features and 2 to 10 classes, with pools from 40 to
1,000 rows (small pools repeat within an episode, as small real tables do). Every component keeps
its own size (data.mixedSizes). Deterministic: the same file every time.
usage: python3 experiments/learned/family.py > experiments/learned/family.json
"""
import json, random

rng = random.Random(29)
tasks = []
def add(task, weight=1.0):
    tasks.append({"task": task, "weight": weight})

# MNIST: four sizes, plain, permuted, projected, and class subsets (labels stay in 0..<k).
for side in (6, 8, 10, 14):
    add({"dataset": "mnist", "transforms": [{"resize": {"side": side}}]})
add({"dataset": "mnist", "transforms": [{"resize": {"side": 10}}, {"permute": {"seed": 301}}]})
add({"dataset": "mnist", "transforms": [{"resize": {"side": 12}}, {"project": {"seed": 302}}]})
add({"dataset": "mnist", "transforms": [{"resize": {"side": 8}}], "classSubset": [3, 8]})
add({"dataset": "mnist", "transforms": [{"resize": {"side": 8}}], "classSubset": [1, 7, 4, 9]})
add({"dataset": "mnist", "transforms": [{"resize": {"side": 10}}], "classSubset": [0, 2, 5, 6, 8, 3]})
# The synthetic tasks.
add({"dataset": "random", "transforms": [{"resize": {"side": 8}}]}, 0.5)
add({"dataset": "sum", "transforms": [{"resize": {"side": 8}}]}, 0.5)
# Generated tables, a new task every episode; sizes spread log-uniformly over 2..100 features.
for i in range(24):
    family = "clusters" if i % 2 == 0 else "teacher"
    features = int(round(2 * (50 ** rng.random())))
    classes = rng.randint(2, 10)
    rows = rng.choice([40, 80, 150, 300, 600, 1000])
    add({"dataset": family, "table": {"features": features, "classes": classes, "rows": rows},
         "syntheticSeed": 400 + i})

print(json.dumps({"tasks": tasks, "mixedSizes": True}, indent=1))
