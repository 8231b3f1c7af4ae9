#!/usr/bin/env bash
# Electra's benchmark next to the PyTorch peer (shared/peer/electra_ref.py, PyTorch 1.13 on OpenBLAS), on the same
# shapes and the same machine, in one run. The peer gets its best configuration on the machine at hand: every OpenMP
# wait policy (libgomp's default, PASSIVE, and ours: ACTIVE with GOMP_SPINCOUNT=20000) and, besides the machine's OpenBLAS settings, the fastest OpenBLAS kernel
# that this CPU supports and that passes a correctness probe (OPENBLAS_CORETYPE pins, or an OpenBLAS too old to know
# the CPU, can leave the peer on generic kernels). Runs
# alternate (ours, then each peer configuration) --repeat times; the table compares medians, ours against the
# peer's best configuration, and reports the CPU, its vector extensions and each side's BLAS kernel.
# With --texts, inference only on real-length text: a task's texts tokenized with --vocab (truncated to --seq) and cut
# into length-sorted batches as predict/embed/Electra.Onnx batch them; both sides time one pass over exactly those
# padded [B, L] shapes (the peer through bench/peer-shapes.py, which imports electra_ref.py unchanged); --steps passes.
#
# usage: bench/run-with-peer.sh [--preset tiny|small]... [--batch B]... [--seq L] [--steps N] [--warmup N]
#                               [--threads N] [--repeat N] [--out DIR] [--texts FILE.tsv --vocab DIR]
# env:   PEER_DIR (default: ../shared/peer beside the repository), PYTHON (default /usr/bin/python3),
#        OPENBLAS_DIR (default ${TMPDIR:-/tmp}/openblas: fetched there with apt-get download if missing),
#        OTHER_MAX (default 0.15: a run during which other processes used more cores than this is flagged CONTENDED)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
presets=() batches=() seq=128 steps=6 warmup=2 threads=2 repeat=2 out="" texts="" vocab=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --preset) presets+=("$2"); shift 2 ;;
    --batch) batches+=("$2"); shift 2 ;;
    --seq) seq="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --repeat) repeat="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --texts) texts="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"; shift 2 ;;
    --vocab) vocab="$(cd "$2" && pwd)"; shift 2 ;;
    -h|--help) sed -n '2,18p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run-with-peer.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ -z $texts || -n $vocab ]] || { echo "run-with-peer.sh: --texts needs --vocab DIR (the tokenizer's folder)" >&2; exit 2; }
[[ ${#presets[@]} -gt 0 ]] || presets=(tiny small)
[[ ${#batches[@]} -gt 0 ]] || batches=(32 8)
peer_dir="${PEER_DIR:-$repo/../shared/peer}"
python="${PYTHON:-/usr/bin/python3}"
other_max="${OTHER_MAX:-0.15}"
out="${out:-$(mktemp -d "${TMPDIR:-/tmp}/electra-peer.XXXXXX")}"
mkdir -p "$out" && out=$(cd "$out" && pwd)
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

# --- The machine and each side's BLAS kernel ------------------------------------------------------------------------
cpu_model=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
flags=$(grep -m1 '^flags' /proc/cpuinfo)
vector=$(for f in avx2 fma avx512f avx512bw avx512_vnni avx512_bf16 amx_tile; do grep -qw "$f" <<<"$flags" && printf '%s ' "$f"; done; true)
avx512=$(grep -qw avx512f <<<"$flags" && echo yes || echo no)
# MKL names the instruction set it dispatched to on its first call.
ours_kernel=$( (MKL_VERBOSE=1 "${bench[@]}" --preset tiny --batch 1 --seq 8 --steps 1 --warmup 0 --threads 1 2>&1 || true) \
  | grep -m1 '^MKL_VERBOSE' | sed -E 's/^MKL_VERBOSE (oneMKL [0-9]+[^P]*).* for Intel\(R\) 64 architecture (.*)$/\1: \2/; s/, Lnx.*//')

# probe_peer ENV...: under ENV, prints "<OpenBLAS kernel> <fp32 GEMM GFLOP/s>" and fails unless fp32 GEMM agrees with fp64.
probe_peer() {
  env "$@" LD_LIBRARY_PATH="$blas_lib" OMP_NUM_THREADS="$threads" "$python" - "$blas_lib" "$threads" <<'PY'
import ctypes, glob, sys, time, torch
lib = ctypes.CDLL(sorted(glob.glob(sys.argv[1] + "/libopenblas*.so*"))[0])
lib.openblas_get_corename.restype = ctypes.c_char_p
torch.set_num_threads(int(sys.argv[2]))
g = torch.Generator().manual_seed(0)
a, b = torch.randn(509, 383, generator=g), torch.randn(383, 257, generator=g)
err = ((a @ b).double() - a.double() @ b.double()).abs().max().item()
x, y = torch.randn(1024, 1024, generator=g), torch.randn(1024, 1024, generator=g)
best = float("inf")
for _ in range(6):
    start = time.perf_counter(); x @ y; best = min(best, time.perf_counter() - start)
print(lib.openblas_get_corename().decode(), round(2 * 1024 ** 3 / best / 1e9, 1))
sys.exit(0 if err < 1e-3 else 1)
PY
}
# OpenBLAS picks its kernel from the CPU it recognises (older releases fall back to generic kernels on newer CPUs), and
# some machines pin it with OPENBLAS_CORETYPE. The peer's BLAS settings: the machine's as they are ("auto"), and the
# fastest correct kernel among OpenBLAS's own choice and those this CPU's flags allow ("best").
pinned=$(env | grep -E '^OPENBLAS_(CORETYPE|L2_SIZE)=' | tr '\n' ' ' || true)
auto=$(probe_peer 2>&1 | tail -1) || { echo "run-with-peer.sh: the peer's OpenBLAS fails its probe: $auto" >&2; exit 1; }
best_coretype="" best=$auto
candidates=(unset)
grep -qw avx2 <<<"$flags" && grep -qw fma <<<"$flags" && candidates+=(Haswell)
grep -qw avx512bw <<<"$flags" && grep -qw avx512vl <<<"$flags" && candidates+=(SkylakeX)
grep -qw avx512_bf16 <<<"$flags" && candidates+=(Cooperlake)
for c in "${candidates[@]}"; do
  e=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE); [[ $c != unset ]] && e+=(OPENBLAS_CORETYPE=$c)
  if k=$(probe_peer "${e[@]}" 2>&1 | tail -1); then
    echo "peer BLAS probe: OPENBLAS_CORETYPE ${c}: kernel ${k% *}, ${k##* } GFLOP/s"
    awk -v a="${k##* }" -v b="${best##* }" 'BEGIN { exit !(a > 1.05 * b) }' && { best=$k; best_coretype=$c; }
  else echo "peer BLAS probe: OPENBLAS_CORETYPE ${c}: fails (${k}): not used"; fi
done
blas_configs=(auto); [[ -n $best_coretype ]] && blas_configs+=(best)

echo "machine: $cpu_model, $(nproc) cores, AVX-512 $avx512 ($vector), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ours: TorchSharp's libtorch, $ours_kernel; OMP_WAIT_POLICY ACTIVE, GOMP_SPINCOUNT 20000 (the electra command's setting)"
echo "peer: PyTorch $("$python" -c 'import torch; print(torch.__version__)' 2>/dev/null) on OpenBLAS; auto${pinned:+ ($pinned)}: kernel ${auto% *} (${auto##* } GFLOP/s)"
[[ -n $best_coretype ]] && echo "peer: best: OPENBLAS_CORETYPE $best_coretype: kernel ${best% *} (${best##* } GFLOP/s)"
echo "threads $threads, $steps timed steps after $warmup warm-up, $repeat alternating repetitions"

# timed OUT_JSON CMD...: runs CMD with stdout to OUT_JSON; writes OUT_JSON.other with the cores other processes used.
timed() {
  local json=$1 b0 b1 t; shift
  b0=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat)
  t=$( { TIMEFORMAT='%R %U %S'; time "$@" >"$json" 2>"$json.log"; } 2>&1 | tail -1)
  b1=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat)
  awk -v b="$((b1 - b0))" -v hz="$(getconf CLK_TCK)" -v t="$t" 'BEGIN { split(t, x, " "); o = (b / hz - x[2] - x[3]) / x[1];
    printf "%.3f\n", (o < 0 ? 0 : o) }' >"$json.other"
}

for preset in "${presets[@]}"; do
  # Same shapes: the peer gets our preset's discriminator config and generator fraction, and our vocabulary size.
  "${bench[@]}" --preset "$preset" --peer-config "$out/$preset.json"
  for batch in "${batches[@]}"; do
    for r in $(seq "$repeat"); do
      tag="$preset-b$batch-r$r"
      echo "running $tag: ours"
      real=(); [[ -n $texts ]] && real=(--texts "$texts" --vocab "$vocab")
      timed "$out/ours-$tag.json.stdout" "${bench[@]}" --preset "$preset" --batch "$batch" --seq "$seq" --steps "$steps" \
        --warmup "$warmup" --threads "$threads" --device cpu --json "$out/ours-$tag.json" "${real[@]}"
      [[ -n $texts ]] && shapes=$("$python" -c 'import json, sys; print(next(r["shapes"] for r in json.load(open(sys.argv[1]))["rows"] if r["name"] == sys.argv[2]))' \
        "$out/ours-$tag.json" "inference/$preset/b$batch/texts-sorted")
      for coretype in "${blas_configs[@]}"; do
        for wait in default PASSIVE SPIN; do
          # env: every -u before the first assignment
          e=(-u GOMP_SPINCOUNT); [[ $coretype == best ]] && e+=(-u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)
          case $wait in
            default) e+=(-u OMP_WAIT_POLICY) ;;
            PASSIVE) e+=(OMP_WAIT_POLICY=PASSIVE) ;;
            SPIN) e+=(OMP_WAIT_POLICY=ACTIVE GOMP_SPINCOUNT=20000) ;;
          esac
          [[ $coretype == best && $best_coretype != unset ]] && e+=(OPENBLAS_CORETYPE=$best_coretype)
          modes=(train inference); [[ -n $texts ]] && modes=(inference)
          for mode in "${modes[@]}"; do
            flag=(); [[ $mode == inference ]] && flag=(--inference)
            echo "running $tag: peer $mode, OpenBLAS $coretype, OMP_WAIT_POLICY $wait"
            peer=(electra_ref.py bench --config "$out/$preset.json" --batch "$batch" --seq "$seq" --steps "$steps" --warmup "$warmup" --threads "$threads" "${flag[@]}")
            [[ -n $texts ]] && peer=("$repo/bench/peer-shapes.py" "$peer_dir" --config "$out/$preset.json" --shapes "$shapes" --order sorted \
              --steps "$steps" --warmup "$warmup" --threads "$threads")
            (cd "$peer_dir" && timed "$out/peer-$mode-$coretype-$wait-$tag.json" env "${e[@]}" LD_LIBRARY_PATH="$blas_lib" "$python" "${peer[@]}")
          done
        done
      done
    done
  done
done

"$python" - "$out" "$other_max" "$cpu_model" "$avx512" "$ours_kernel" "$auto" "${best_coretype:+OPENBLAS_CORETYPE=$best_coretype: }$best" <<'PY'
import glob, json, os, re, statistics, sys
out, other_max, cpu, avx512, ours_kernel, peer_auto, peer_best = sys.argv[1], float(sys.argv[2]), *sys.argv[3:]
def other(path):
    return float(open(path + ".other").read())
rows = {}  # row name -> {"ours": [...], config -> [...]}
bound = {}  # pretrain row name -> our matmul-bound rows
for path in glob.glob(f"{out}/ours-*-r*.json"):
    for r in json.load(open(path))["rows"]:
        if r["name"].startswith(("pretrain/", "inference/", "inference-onnx/", "inference-onnx-int8/")):
            r["other"] = other(path + ".stdout")
            rows.setdefault(r["name"], {}).setdefault("ours", []).append(r)
        elif r["name"].startswith("matmul-bound/"):  # the step's matmuls alone: the MFU the step could reach
            bound.setdefault(r["name"].replace("matmul-bound/", "pretrain/", 1), []).append(r)
for path in glob.glob(f"{out}/peer-*.json"):
    m = re.match(r"peer-(train|inference)-(auto|best)-(default|PASSIVE|SPIN)-(.+)-b(\d+)-r\d+\.json$", os.path.basename(path))
    lines = open(path).read().strip().splitlines()
    if not m or not lines:
        print(f"note: {path} has no result (see {path}.log)"); continue
    p = json.loads(lines[-1]); p["other"] = other(path)
    mode, coretype, wait, preset, batch = m.groups()
    name = f'{"pretrain" if mode == "train" else "inference"}/{preset}/b{batch}/' + (f'texts-{p["order"]}' if "order" in p else f's{p["seq"]}')
    # our ONNX Runtime rows (the same discriminator exported, fp32 and int8, run without libtorch) are compared with the peer's inference too
    onnx = [name.replace("inference/", f"inference-onnx{kind}/", 1) for kind in ("", "-int8")] if mode == "inference" else []
    for row in [name] + onnx:
        policy = {"SPIN": "ACTIVE, GOMP_SPINCOUNT 20000"}.get(wait, wait)
        rows.setdefault(row, {}).setdefault(f"OpenBLAS {coretype}, OMP_WAIT_POLICY {policy}", []).append(p)
med = lambda runs, key: statistics.median(r[key] for r in runs)
summary = []
print(f'\n{"row":<26} {"ours":>7} {"MFU":>4} {"cpu":>4} {"MB":>5} | {"peer dflt":>9} {"peer best":>9} {"cpu":>4} {"MB":>5} {"ours/best":>9}  best peer configuration')
for name in sorted(rows, key=lambda n: (n.split("/")[1], n.split("/")[0], -int(n.split("/")[2][1:]))):
    runs = rows[name]
    ours, peers = runs.get("ours", []), {k: v for k, v in runs.items() if k != "ours"}
    if not ours or not peers:
        continue
    best = max(peers, key=lambda k: med(peers[k], "tokens_per_s"))
    default = peers.get("OpenBLAS auto, OMP_WAIT_POLICY default", peers[best])
    contended = [r["other"] for v in runs.values() for r in v if r["other"] > other_max]
    mfu = statistics.median(r.get("mfu", float("nan")) for r in ours)
    row = dict(row=name, ours_tokens_per_s=med(ours, "tokens_per_s"), ours_mfu=mfu, ours_cpu=med(ours, "cpu_util"),
               ours_peak_rss_mb=max(r["peak_rss_mb"] for r in ours),
               peer_default_tokens_per_s=med(default, "tokens_per_s"), peer_best_tokens_per_s=med(peers[best], "tokens_per_s"),
               peer_best_config=best, peer_cpu=med(peers[best], "cpu_util"), peer_peak_rss_mb=max(r["peak_rss_mb"] for r in peers[best]),
               ours_runs=[r["tokens_per_s"] for r in ours], peer_runs={k: [r["tokens_per_s"] for r in v] for k, v in peers.items()},
               contended_other_cores=contended)
    row["ratio_vs_best"] = row["ours_tokens_per_s"] / row["peer_best_tokens_per_s"]
    summary.append(row)
    print(f'{name:<26} {row["ours_tokens_per_s"]:>7.0f} {mfu:>4.0%} {row["ours_cpu"]:>4.2f} {row["ours_peak_rss_mb"]:>5.0f} | '
          f'{row["peer_default_tokens_per_s"]:>9.0f} {row["peer_best_tokens_per_s"]:>9.0f} {row["peer_cpu"]:>4.2f} '
          f'{row["peer_peak_rss_mb"]:>5.0f} {row["ratio_vs_best"]:>8.2f}x  {best}'
          + (f"  CONTENDED (other processes used up to {max(contended):.2f} cores): rerun" if contended else ""))
    if name in bound:
        row["ours_matmul_bound_mfu"] = statistics.median(r.get("mfu", float("nan")) for r in bound[name])
        row["ours_matmul_share_of_step"] = statistics.median(r["share_of_pretrain_step"] for r in bound[name])
        print(f'{"":<26} the step\'s matmuls alone: MFU {row["ours_matmul_bound_mfu"]:.0%}, '
              f'{row["ours_matmul_share_of_step"]:.0%} of the step\'s time (the rest is everything else)')
    if "runtime_disk_mb" in ours[0]:
        print(f'{"":<26} {ours[0]["runtime"]} on disk {ours[0]["runtime_disk_mb"]:.0f} MB, model {ours[0]["model_mb"]:.1f} MB')
machine = dict(cpu_model=cpu, avx512=avx512, ours_blas=ours_kernel, peer_blas_auto=peer_auto, peer_blas_best=peer_best.strip() or None)
json.dump(dict(machine=machine, rows=summary), open(f"{out}/summary.json", "w"), indent=2)
print(f"\nmedians over repetitions; MFU is ours against the matmul ceiling measured in the same process. figures and logs: {out} (summary.json)")
PY
