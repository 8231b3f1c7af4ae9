#!/usr/bin/env bash
# Many-run reproducibility check: runs N independent `electra pretrain` processes with identical arguments and counts
# the distinct discriminators they write (SHA-256 of model.safetensors). One outcome is bit-exact; two or more means
# something picks a different kernel, partition or order at run time (issue 22, item 8; docs/performance.md).
#
#   bench/bit-exact-check.sh [-n RUNS] [-j PARALLEL] [-s STEPS] [-o DIR] [-- extra pretrain options]
#
# Each run is a short Tiny pre-training (4 steps unless -s) on a 150 KB cut of the shared Moby-Dick, with a tokenizer
# trained once up front: a few seconds of CPU (30-45 s wall at load 50 on 2 cores). Options after -- are added to every
# run's `pretrain`. Environment variables (MKL_CBWR, OMP_NUM_THREADS, ...) pass through to every run: A/B a hypothesis
# by running the script with and without one. Builds nothing: build samples/Electra.Cli (Release) first, or point
# ELECTRA_CLI at another build's Electra.Cli.dll (e.g. a copy of main's, to compare it with a branch).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
runs=100 parallel=1 steps=4 out=""
while getopts "n:j:s:o:" flag; do
  case "$flag" in
    n) runs="$OPTARG" ;;
    j) parallel="$OPTARG" ;;
    s) steps="$OPTARG" ;;
    o) out="$OPTARG" ;;
    *) echo "usage: $0 [-n RUNS] [-j PARALLEL] [-s STEPS] [-o DIR] [-- extra pretrain options]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ "${1:-}" == "--" ]] && shift
cli="${ELECTRA_CLI:-$here/samples/Electra.Cli/bin/Release/net10.0/Electra.Cli.dll}"
[[ -f "$cli" ]] || { echo "$0: $cli is missing: dotnet build -c Release samples/Electra.Cli" >&2; exit 2; }
out="${out:-$(mktemp -d "${TMPDIR:-/tmp}/bit-exact.XXXXXX")}"
mkdir -p "$out"

corpus="$out/corpus.txt"
if [[ ! -f "$corpus" ]]; then
  source_text="$here/../shared/data/pretrain/moby-dick.txt"
  [[ -f "$source_text" ]] || { echo "$0: $source_text is missing (the shared data folder beside the repository)" >&2; exit 2; }
  head -c 150000 "$source_text" > "$corpus.tmp" && mv "$corpus.tmp" "$corpus"
fi
if [[ ! -f "$out/tokenizer/vocab.txt" ]]; then
  dotnet "$cli" tokenizer train --corpus "$corpus" --out "$out/tokenizer" --vocab-size 1000 > "$out/tokenizer.log" 2>&1 ||
    { cat "$out/tokenizer.log" >&2; exit 1; }
fi

one_run() {
  local i="$1" dir="$out/run-$1"
  rm -rf "$dir"
  local start=$SECONDS
  if dotnet "$cli" pretrain --corpus "$corpus" --tokenizer "$out/tokenizer" --out "$dir" --preset tiny --steps "$steps" \
       --batch 8 --seq 64 --eval-every 0 --save-every 1000 --seed 3 --device cpu "${@:2}" > "$dir.log" 2>&1; then
    echo "$i $(sha256sum < "$dir/discriminator/model.safetensors" | cut -c1-16) $((SECONDS - start))s $(grep -o "[0-9.,]* tokens/s" "$dir.log" | tail -1)"
  else
    echo "$i FAILED $((SECONDS - start))s (see $dir.log)"
  fi
  rm -rf "$dir" # the hash is all that is kept; the log stays
}
export -f one_run
export cli out corpus steps

echo "bit-exact check: $runs runs, $parallel at a time, in $out; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "environment: MKL_CBWR=${MKL_CBWR-unset} OMP_NUM_THREADS=${OMP_NUM_THREADS-unset}"
seq "$runs" | xargs -P "$parallel" -I{} bash -c 'one_run "$@"' _ {} "$@" | tee "$out/hashes.txt"
echo "outcomes (count, model hash):"
cut -d' ' -f2 "$out/hashes.txt" | sort | uniq -c | sort -rn
echo "load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
