#!/usr/bin/env bash
# Before/after proof for refactorings that must not change numerics (issue 23: "the same weights come out of
# pre-training and of fine-tuning on a fixed seed before and after the change", tolerance 0):
#
#   bench/same-weights.sh BEFORE_CLI_DLL AFTER_CLI_DLL [WORK_DIR]
#
# Runs the same short jobs with both builds, each in its own folder, on in-repository data only: a Tiny pre-training
# (tokenizer trained on a corpus cut, then 30 steps), then one fine-tune of every task kind (sequence, token, pair
# classification, regression, bi-encoder, extractive QA on SQuAD 2.0 cloze questions) and a `predict` of each
# classifier's test file. Both builds fine-tune from the same model (the BEFORE build's pre-trained discriminator), so
# a pre-training difference does not hide or cause a fine-tuning one. MKL_CBWR=AUTO is set for both (what the CLI pins
# since a7a833b; a build from before that pin would otherwise take MKL's other code paths and differ by ~1e-8). Every *.safetensors must be byte-identical (cmp: tolerance 0), every
# predictions file byte-identical, and every JSON file equal after dropping wall-clock fields ("seconds", "elapsed",
# timestamps). Prints one line per file and exits 1 on the first difference it lists (all are listed).
# One thread per process (--threads 1), so the comparison does not depend on the machine's load; a few minutes of CPU.
# Build the two CLIs first, e.g. `git archive <before> | tar -x -C /tmp/before && dotnet build -c Release
# /tmp/before/samples/Electra.Cli`.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
[[ $# -ge 2 ]] || { echo "usage: $0 BEFORE_CLI_DLL AFTER_CLI_DLL [WORK_DIR]" >&2; exit 2; }
before="$(realpath "$1")" after="$(realpath "$2")"
for cli in "$before" "$after"; do [[ -f "$cli" ]] || { echo "$0: $cli is missing" >&2; exit 2; }; done
work="${3:-$(mktemp -d "${TMPDIR:-/tmp}/same-weights.XXXXXX")}"
mkdir -p "$work"
data="$here/tests/data"

# jobs CLI DIR: the whole sequence of jobs with one build, logs in DIR/log.txt.
jobs() {
  local cli="$1" dir="$2" seed=7
  mkdir -p "$dir"
  e() { echo "+ electra $*" >> "$dir/log.txt"; dotnet "$cli" "$@" >> "$dir/log.txt" 2>&1 || { echo "$0: failed in $dir: electra $*" >&2; tail -20 "$dir/log.txt" >&2; exit 1; }; }
  e pretrain --corpus "$data/pretrain/moby-dick.txt" --out "$dir/pretrain" --preset tiny --steps 30 --warmup 3 --batch 8 \
    --seq 64 --vocab-size 1000 --eval-every 0 --eval-batches 2 --save-every 30 --log-every 10 --seed 11 --threads 1 --device cpu
  local model="$work/before/pretrain/discriminator" # the same starting point for both builds
  e make-tasks --corpus "$data/pretrain/brown.txt" --out "$dir/tasks" --passages 100 --queries 20 --dev 20 --overlap-pairs 60 --seed 3
  e squad-cloze --corpus "$data/pretrain/sotu.txt" --out "$dir/tasks/squad" --train 48 --dev 16 --test 16 --unanswerable 0.25 --seed 3
  local ft=(--model "$model" --epochs 2 --max-train 48 --batch 8 --seed "$seed" --threads 1)
  e finetune "${ft[@]}" --task "$data/tasks/brown-genre" --out "$dir/ft/sequence" --max-length 64
  e finetune "${ft[@]}" --task "$data/tasks/brown-pos" --out "$dir/ft/token" --max-length 64
  e finetune "${ft[@]}" --task "$dir/tasks/sentence-rerank" --out "$dir/ft/pair" --max-length 64
  e finetune "${ft[@]}" --task "$dir/tasks/word-overlap" --out "$dir/ft/regression" --max-length 64
  e finetune "${ft[@]}" --task "$dir/tasks/sentence-pairs" --out "$dir/ft/retrieval" --max-length 64
  e finetune "${ft[@]}" --task "$dir/tasks/squad" --out "$dir/ft/squad" --max-query-length 100 --doc-stride 16
  mkdir -p "$dir/predictions"
  e predict --model "$dir/ft/sequence" --input "$data/tasks/brown-genre/test.tsv" --output "$dir/predictions/sequence.tsv" --threads 1
  e predict --model "$dir/ft/token" --input "$data/tasks/brown-pos/test.conll" --output "$dir/predictions/token.conll" --threads 1
  e predict --model "$dir/ft/pair" --input "$dir/tasks/sentence-rerank/dev.tsv" --output "$dir/predictions/pair.tsv" --threads 1
  e predict --model "$dir/ft/regression" --input "$dir/tasks/word-overlap/dev.tsv" --output "$dir/predictions/regression.tsv" --threads 1
  e predict --model "$dir/ft/squad" --input "$dir/tasks/squad/test.json" --output "$dir/predictions/squad.json" --threads 1
}

export MKL_CBWR=AUTO
echo "same-weights: before $before"
echo "same-weights: after  $after"
echo "same-weights: work   $work"
jobs "$before" "$work/before"
jobs "$after" "$work/after"

# Compare: weights and predictions byte for byte, JSON without wall-clock fields.
python3 - "$work/before" "$work/after" <<'EOF'
import json, os, sys, filecmp
a_root, b_root = sys.argv[1], sys.argv[2]
clock = {"seconds", "elapsed", "elapsed_seconds", "time", "timestamp", "created", "started", "wall_seconds"}
def strip(x):
    if isinstance(x, dict): return {k: strip(v) for k, v in x.items() if k not in clock}
    if isinstance(x, list): return [strip(v) for v in x]
    return x
differ = compared = 0
for sub in ("pretrain/discriminator", "pretrain/generator", "ft", "predictions"):
    for dirpath, _, files in sorted(os.walk(os.path.join(a_root, sub))):
        for f in sorted(files):
            a = os.path.join(dirpath, f); rel = os.path.relpath(a, a_root); b = os.path.join(b_root, rel)
            if not (f.endswith((".safetensors", ".json", ".tsv", ".conll", ".txt"))): continue
            compared += 1
            if not os.path.exists(b): print(f"MISSING after: {rel}"); differ += 1; continue
            if f.endswith(".json"):
                same = strip(json.load(open(a))) == strip(json.load(open(b)))
                how = "equal without wall-clock fields"
            else:
                same = filecmp.cmp(a, b, shallow=False); how = "byte-identical"
            print(f"{'same' if same else 'DIFFERENT'}: {rel}" + (f" ({how})" if same else ""))
            differ += not same
print(f"same-weights: {compared - differ} of {compared} files equal (weights at tolerance 0)")
sys.exit(1 if differ else 0)
EOF
