#!/usr/bin/env bash
# Writes the data the test suite reads (TestPaths.Fixture, TestPaths.Pretrain, TestPaths.Tasks), so that a clone with
# nothing beside it passes `dotnet test`. Run from anywhere; needs the development machine's shared folder (../shared
# beside the repository, or SHARED=DIR):
#
#     bash tests/data/make_test_data.sh           # rewrite everything below tests/data and SHA256SUMS
#     bash tests/data/make_test_data.sh --check   # verify the committed files against SHA256SUMS (no ../shared needed)
#     bash tests/data/make_test_data.sh --regenerate-fixture   # rewrite the fixture with the PyTorch peer, compare
#
# What it writes:
#   pretrain/  the first documents of the three public-domain corpora (a document is a run of lines up to a blank
#              line): moby-dick.txt 20 (the front matter and chapters 1-18), sotu.txt 20 (the first addresses), brown.txt 10
#   tasks/     the first examples of each split of the two Brown tasks (brown-genre: 200 train, 50 dev, 50 test rows;
#              brown-pos: 200 train, 50 dev, 50 test sentences)
#   hf-electra-tiny/  the PyTorch fixture (HF folders and golden.json), COPIED byte for byte, not regenerated: it was
#              written by the PyTorch peer (`electra_ref.py export --config tiny --seed 0`, Debian's PyTorch 1.13,
#              ../shared/peer), which is not part of this repository. SHA256SUMS pins every file; a changed fixture is a
#              visible diff there. --regenerate-fixture runs that export again (needs /usr/bin/python3 with torch) into a
#              temporary folder and compares: on 2026-12-07 every weight, config and vocabulary file came out identical
#              and golden.json's logits within 3e-7 (BLAS summation order; the fixture's tolerance is 1e-4).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

if [ "${1:-}" = "--check" ]; then
    sha256sum --quiet -c SHA256SUMS && echo "tests/data: every file matches SHA256SUMS"
    exit
fi

shared=${SHARED:-$here/../../../shared}
[ -d "$shared/data/pretrain" ] && [ -d "$shared/fixtures/hf-electra-tiny" ] ||
    { echo "make_test_data.sh: no shared folder at $shared (set SHARED=DIR)" >&2; exit 1; }

if [ "${1:-}" = "--regenerate-fixture" ]; then
    fresh=$(mktemp -d); trap 'rm -rf "$fresh"' EXIT
    (cd "$shared/peer" && /usr/bin/python3 electra_ref.py export --config tiny --seed 0 --out "$fresh/hf-electra-tiny")
    (cd "$fresh" && grep -v golden.json "$here/SHA256SUMS" | grep hf-electra-tiny/ | sha256sum --quiet -c) ||
        { echo "hf-electra-tiny: the regenerated fixture differs from the copy (above)" >&2; exit 1; }
    echo "hf-electra-tiny: weights, configs and vocabularies identical to the copy"
    /usr/bin/python3 - "$fresh/hf-electra-tiny/golden.json" hf-electra-tiny/golden.json <<'PY'
import json, sys
def leaves(x):
    if isinstance(x, dict): return [v for k in sorted(x) for v in leaves(x[k])]
    if isinstance(x, list): return [v for y in x for v in leaves(y)]
    return [x]
a, b = (leaves(json.load(open(p))) for p in sys.argv[1:])
assert len(a) == len(b) and all(type(x) == type(y) for x, y in zip(a, b)), "golden.json: different layout"
worst = max((abs(x - y) for x, y in zip(a, b) if isinstance(x, float)), default=0.0)
assert worst <= 1e-6, f"golden.json: regenerated logits differ from the copy by {worst:.3g}"
print(f"golden.json: regenerated values within {worst:.3g} of the copy")
PY
    exit
fi

# first_documents N FILE: the first N blank-line-separated documents, each followed by one blank line.
first_documents() { awk -v n="$1" 'BEGIN { RS = ""; ORS = "\n\n" } NR <= n' "$2"; }
# first_lines N FILE: the header and the first N rows of a TSV.
first_lines() { head -n "$(($1 + 1))" "$2"; }

rm -rf pretrain tasks hf-electra-tiny
mkdir -p pretrain tasks/brown-genre tasks/brown-pos
first_documents 20 "$shared/data/pretrain/moby-dick.txt" > pretrain/moby-dick.txt
first_documents 20 "$shared/data/pretrain/sotu.txt" > pretrain/sotu.txt
first_documents 10 "$shared/data/pretrain/brown.txt" > pretrain/brown.txt
for split in train:200 dev:50 test:50; do
    name=${split%%:*} n=${split#*:}
    first_lines "$n" "$shared/data/tasks/brown-genre/$name.tsv" > "tasks/brown-genre/$name.tsv"
    first_documents "$n" "$shared/data/tasks/brown-pos/$name.conll" > "tasks/brown-pos/$name.conll"
done
cp -r "$shared/fixtures/hf-electra-tiny" hf-electra-tiny
chmod -R u+w hf-electra-tiny

find pretrain tasks hf-electra-tiny -type f | LC_ALL=C sort | xargs sha256sum > SHA256SUMS
echo "tests/data: $(wc -l < SHA256SUMS) files, $(du -sh --apparent-size pretrain tasks hf-electra-tiny | awk '{printf "%s%s %s", s, $2, $1; s = ", "}')"
