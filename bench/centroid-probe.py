#!/usr/bin/env python3
"""Frozen-feature probe of an encoder on a classification task (docs/domain-adaptation.md), standard library only.

usage: centroid-probe.py TRAIN.jsonl TRAIN.labels TEST.jsonl TEST.labels
The .jsonl files are `electra embed` output ({"id", "vector"} a line), the .labels files one label a line in the same
order. Every vector is standardised with the training vectors' per-dimension mean and deviation; each test vector gets
the label of the nearest class centroid (Euclidean). Prints test accuracy, macro-F1 and how much the vectors vary across
texts (their variance summed over dimensions / their mean squared norm).
"""
import json
import math
import sys


def vectors(path):
    with open(path) as f:
        return [json.loads(line)["vector"] for line in f]


def labels(path):
    with open(path) as f:
        return [line.rstrip("\n") for line in f]


train, train_labels, test, test_labels = vectors(sys.argv[1]), labels(sys.argv[2]), vectors(sys.argv[3]), labels(sys.argv[4])
if len(train) != len(train_labels) or len(test) != len(test_labels):
    sys.exit("each .jsonl needs one label per vector")
dims, n = len(train[0]), len(train)
mean = [sum(v[j] for v in train) / n for j in range(dims)]
deviation = [math.sqrt(sum((v[j] - mean[j]) ** 2 for v in train) / n) + 1e-12 for j in range(dims)]


def standardise(v):
    return [(v[j] - mean[j]) / deviation[j] for j in range(dims)]


z_train, z_test = [standardise(v) for v in train], [standardise(v) for v in test]
classes = sorted(set(train_labels))
centroid = {c: [sum(v[j] for v, y in zip(z_train, train_labels) if y == c) / train_labels.count(c) for j in range(dims)] for c in classes}
predicted = [min(classes, key=lambda c: sum((v[j] - centroid[c][j]) ** 2 for j in range(dims))) for v in z_test]

accuracy = sum(p == y for p, y in zip(predicted, test_labels)) / len(test_labels)
f1 = []
for c in classes:
    tp = sum(p == c and y == c for p, y in zip(predicted, test_labels))
    fp = sum(p == c and y != c for p, y in zip(predicted, test_labels))
    fn = sum(p != c and y == c for p, y in zip(predicted, test_labels))
    f1.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
spread = sum(sum((x - mean[j]) ** 2 for j, x in enumerate(v)) for v in train) / n
norm = sum(sum(x * x for x in v) for v in train) / n
print(f"test accuracy {accuracy:.4f} macro-F1 {sum(f1) / len(f1):.4f} (variance across texts / mean squared norm {spread / norm:.5f})")
