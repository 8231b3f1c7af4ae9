#!/usr/bin/env bash
# Records a deliberate change of a package's public surface: builds each package under src/ and moves what the
# PublicApiAnalyzers report into its PublicAPI files (RS0016, a new public symbol: added to PublicAPI.Unshipped.txt;
# RS0017, a listed symbol that is gone: removed). Review the diff of PublicAPI.*.txt like any other change.
#   eng/public-api.sh [Package ...]      (default: every package under src/)
set -uo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
packages=("$@")
[[ ${#packages[@]} -gt 0 ]] || packages=(Electra.Tokenization Electra Electra.Onnx Electra.Onnx.Export Electra.Corpora Electra.MLNet)
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for n in "${packages[@]}"; do
  for round in 1 2 3; do # a package whose dependency's surface changed may need a second pass
    dotnet build -c Release "src/$n/$n.csproj" > "$log" 2>&1
    python3 eng/public_api.py "src/$n" "$n" "$log"
    grep -q "error RS00" "$log" || break
  done
  grep -q " error " "$log" && { grep " error " "$log" | sort -u | head -20; echo "$n: other build errors (above)" >&2; exit 1; }
done
exit 0
