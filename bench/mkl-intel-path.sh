#!/usr/bin/env bash
# Builds the opt-in that makes oneMKL (libtorch's fp32 matrix products on x64) take its Intel code paths on a
# non-Intel x64 CPU, for A/B runs and for users who measured a gain on their machine (docs/performance.md, "MKL's
# code path on AMD CPUs"). On an AMD CPU, libtorch 2.10's oneMKL 2024.0 runs a path it labels "Intel(R) Architecture
# processors" (MKL_VERBOSE=1 shows it); MKL_DEBUG_CPU_TYPE and MKL_ENABLE_INSTRUCTIONS do not change that. MKL asks two
# functions of its own whether the CPU is Intel's; this library answers yes, so MKL dispatches on the instruction set
# (AVX2 on Zen 3) as on an Intel CPU. It works by symbol interposition, so it must be loaded before libtorch:
#
#   bench/mkl-intel-path.sh [OUT.so]        # default ${TMPDIR:-/tmp}/mkl-intel-path.so; prints the line to use
#   LD_PRELOAD=OUT.so dotnet samples/Electra.Cli/bin/Release/net10.0/Electra.Cli.dll ...
#
# Not bit-identical to the default path (other kernels round differently), still reproducible run to run (MKL_CBWR=AUTO
# then pins the AVX2 branch). On an Intel CPU it changes nothing. Needs a C compiler (CC, default cc).
set -euo pipefail
out="${1:-${TMPDIR:-/tmp}/mkl-intel-path.so}"
cc="${CC:-cc}"
command -v "$cc" >/dev/null || { echo "$0: no C compiler '$cc' (apt-get install gcc, or set CC)" >&2; exit 2; }
src="$(mktemp "${TMPDIR:-/tmp}/mkl-intel-path.XXXXXX.c")"
trap 'rm -f "$src"' EXIT
cat >"$src" <<'C'
/* oneMKL's vendor checks (exported by libtorch_cpu.so, called through its PLT, hence interposable). */
int mkl_serv_intel_cpu_true(void) { return 1; }
int mkl_serv_intel_cpu(void) { return 1; }
C
"$cc" -O2 -shared -fPIC -o "$out.tmp" "$src"
mv "$out.tmp" "$out"
echo "LD_PRELOAD=$out"
