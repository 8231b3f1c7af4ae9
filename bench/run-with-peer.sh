#!/usr/bin/env bash
# Runs Electra's benchmark and the PyTorch peer (shared/peer/electra_ref.py, PyTorch 1.13 on OpenBLAS) on the same
# shapes, one after the other in one go, and prints our/their tokens/s per row with both figures, CPU utilisation
# and the load average. The machine is shared: rows run with load above LOAD_MAX are flagged; rerun them.
#
# usage: bench/run-with-peer.sh [--preset tiny|small]... [--batch B]... [--seq L] [--steps N] [--warmup N] [--threads N] [--out DIR]
# env:   PEER_DIR (default /work/shared/peer), PYTHON (default /usr/bin/python3),
#        OPENBLAS_DIR (default ${TMPDIR:-/tmp}/openblas: fetched there with apt-get download if missing), LOAD_MAX (default 1.5),
#        OMP_WAIT_POLICY (default PASSIVE, given to both: spinning OpenMP workers collapse on a busy machine)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
presets=() batches=() seq=128 steps=6 warmup=2 threads=2 out=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) presets+=("$2"); shift 2 ;;
    --batch) batches+=("$2"); shift 2 ;;
    --seq) seq="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run-with-peer.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ ${#presets[@]} -gt 0 ]] || presets=(tiny small)
[[ ${#batches[@]} -gt 0 ]] || batches=(32 8)
peer_dir="${PEER_DIR:-/work/shared/peer}"
python="${PYTHON:-/usr/bin/python3}"
load_max="${LOAD_MAX:-1.5}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
out="${out:-$(mktemp -d "${TMPDIR:-/tmp}/electra-peer.XXXXXX")}"
mkdir -p "$out"
[[ -f "$peer_dir/electra_ref.py" ]] || { echo "run-with-peer.sh: $peer_dir/electra_ref.py not found (set PEER_DIR)" >&2; exit 1; }

# The peer must run on an optimised BLAS (Debian's default is the netlib reference: ~30x slower).
blas="${OPENBLAS_DIR:-${TMPDIR:-/tmp}/openblas}"
if [[ ! -f "$blas/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3" ]]; then
  mkdir -p "$blas"
  (cd "$blas" && apt-get download libopenblas0-pthread && dpkg -x libopenblas0-pthread_*.deb .)
fi
blas_lib="$blas/usr/lib/x86_64-linux-gnu/openblas-pthread"

dotnet build "$repo/bench/Electra.Bench" -c Release -v quiet -nologo >/dev/null
bench=(dotnet "$repo/bench/Electra.Bench/bin/Release/net10.0/Electra.Bench.dll")

echo "threads $threads, OMP_WAIT_POLICY $OMP_WAIT_POLICY, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %10s %10s %7s %9s %9s %11s %11s\n' row ours peer ratio ours_cpu peer_cpu ours_load peer_load
for preset in "${presets[@]}"; do
  # Same shapes: the peer gets our preset's discriminator config and generator fraction, and our vocabulary size.
  "${bench[@]}" --preset "$preset" --peer-config "$out/$preset.json"
  for batch in "${batches[@]}"; do
    "${bench[@]}" --preset "$preset" --batch "$batch" --seq "$seq" --steps "$steps" --warmup "$warmup" --threads "$threads" --device cpu \
      --json "$out/ours-$preset-b$batch.json" >"$out/ours-$preset-b$batch.log"
    for mode in pretrain inference; do
      name="$mode/$preset/b$batch/s$seq"
      flag=()
      [[ $mode == inference ]] && flag=(--inference)
      (cd "$peer_dir" && LD_LIBRARY_PATH="$blas_lib" "$python" electra_ref.py bench --config "$out/$preset.json" --batch "$batch" --seq "$seq" \
        --steps "$steps" --warmup "$warmup" --threads "$threads" "${flag[@]}") >"$out/peer-$mode-$preset-b$batch.json"
      # Inference also compares our ONNX Runtime row (the same discriminator exported, run without libtorch) with the peer.
      names=("$name")
      [[ $mode == inference ]] && names+=("inference-onnx/$preset/b$batch/s$seq")
      for row in "${names[@]}"; do
      "$python" - "$out/ours-$preset-b$batch.json" "$out/peer-$mode-$preset-b$batch.json" "$row" "$load_max" <<'PY'
import json, sys
ours = next(r for r in json.load(open(sys.argv[1]))["rows"] if r["name"] == sys.argv[3])
peer = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
ol, pl, limit = ours["loadavg_1m"], peer["loadavg_1m"], float(sys.argv[4])
busy = max(ol + pl) > limit
print(f'{sys.argv[3]:<28} {ours["tokens_per_s"]:>10.0f} {peer["tokens_per_s"]:>10.0f} {ours["tokens_per_s"] / peer["tokens_per_s"]:>6.2f}x '
      f'{ours["cpu_util"]:>9.2f} {peer["cpu_util"]:>9.2f} {ol[0]:>5.1f}-{ol[1]:<5.1f} {pl[0]:>5.1f}-{pl[1]:<5.1f}'
      + ("  CONTENDED: rerun" if busy else ""))
if "flops_per_step" in ours and abs(ours["flops_per_step"] - peer["flops_per_step"]) > 1e-6 * peer["flops_per_step"]:
    print(f'  note: analytic FLOPs differ: ours {ours["flops_per_step"]:.6g}, peer {peer["flops_per_step"]:.6g}')
if "runtime_disk_mb" in ours:
    print(f'  {ours["runtime"]}: peak RSS {ours["peak_rss_mb"]:.0f} MB (peer {peer.get("peak_rss_mb", float("nan")):.0f} MB), runtime on disk {ours["runtime_disk_mb"]:.0f} MB, model {ours["model_mb"]:.1f} MB')
PY
      done
    done
  done
done
echo "figures and logs: $out (peer BLAS: $(grep -ho '"blas": "[^"]*"' "$out"/peer-*.json | sort -u | head -1))"
