#!/usr/bin/env bash
# The same fine-tuning both ways, on one task folder and seed: Electra.MLNet's ElectraTextClassification in an ML.NET
# pipeline (scored by mlContext.MulticlassClassification.Evaluate) and `electra finetune` (its results.json). Prints
# dev and test accuracy, macro-F1 and (ML.NET only: the CLI does not compute it) log-loss, one line per way and split.
#
# usage: bench/mlnet-vs-finetune.sh MODEL_DIR TASK_DIR [--epochs N] [--batch B] [--lr X] [--seed S] [--threads T]
#   TASK_DIR: train.tsv, dev.tsv, test.tsv (text<TAB>label with a header), as `electra finetune` reads them.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
[ $# -ge 2 ] || { sed -n '5,6p' "$0"; exit 2; }
model=$(realpath "$1") task=$(realpath "$2"); shift 2
epochs=3 batch=32 lr=3e-4 seed=0 threads=1
while [ $# -gt 0 ]; do
    case $1 in
        --epochs) epochs=$2 ;; --batch) batch=$2 ;; --lr) lr=$2 ;; --seed) seed=$2 ;; --threads) threads=$2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac; shift 2
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/app"
cat > "$work/app/app.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings><Nullable>enable</Nullable></PropertyGroup>
  <ItemGroup>
    <ProjectReference Include="$repo/src/Electra.MLNet/Electra.MLNet.csproj" />
    <PackageReference Include="libtorch-cpu-linux-x64" Version="2.10.0" />
  </ItemGroup>
  <Import Project="$repo/src/Electra/buildTransitive/Electra.targets" /><!-- the libstdc++ step, as the package brings it -->
</Project>
XML
cat > "$work/app/Program.cs" <<'CS'
using System.Globalization;
using Electra.MLNet;
using Microsoft.ML;
using Microsoft.ML.Data;

string model = args[0], task = args[1];
int epochs = int.Parse(args[2]), batch = int.Parse(args[3]), seed = int.Parse(args[5]);
double lr = double.Parse(args[4], CultureInfo.InvariantCulture);
Electra.Native.OpenMp.ApplyWaitPolicy();
TorchSharp.torch.set_num_threads(int.Parse(args[6]));
var ml = new MLContext();
IDataView Read(string split) => ml.Data.LoadFromTextFile<Row>(Path.Combine(task, split + ".tsv"), separatorChar: '\t', hasHeader: true, allowQuoting: false);
var train = Read("train");
var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train);
var fitted = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.MulticlassClassification.Trainers.ElectraTextClassification(model, maxEpochs: epochs, batchSize: batch,
        validationSet: keys.Transform(Read("dev")), options: new() { LearningRate = lr, Seed = seed }))
    .Fit(train);
foreach (string split in new[] { "dev", "test" })
{
    var m = ml.MulticlassClassification.Evaluate(fitted.Transform(Read(split)));
    var p = m.ConfusionMatrix.PerClassPrecision;
    var r = m.ConfusionMatrix.PerClassRecall;
    double macroF1 = p.Zip(r, (a, b) => a + b == 0 ? 0 : 2 * a * b / (a + b)).Average();
    Console.WriteLine(FormattableString.Invariant($"ml.net {split}: accuracy {m.MicroAccuracy:F4} macro-F1 {macroF1:F4} log-loss {m.LogLoss:F4}"));
}

public class Row
{
    [LoadColumn(0)] public string Sentence1 = "";
    [LoadColumn(1)] public string Label = "";
}
CS
(cd "$work/app" && dotnet run -c Release -- "$model" "$task" "$epochs" "$batch" "$lr" "$seed" "$threads") | grep '^ml.net'

dotnet build "$repo/samples/Electra.Cli" -c Release --nologo -v q >/dev/null
dotnet "$repo/samples/Electra.Cli/bin/Release/net10.0/Electra.Cli.dll" finetune --model "$model" --task "$task" --out "$work/cli" \
    --epochs "$epochs" --batch "$batch" --lr "$lr" --seed "$seed" --threads "$threads" >/dev/null
python3 - "$work/cli/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for split in ("dev", "test"):
    print(f"electra finetune {split}: accuracy {r[split]['accuracy']:.4f} macro-F1 {r[split]['macro_f1']:.4f}")
PY
