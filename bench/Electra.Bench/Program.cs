using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Electra.Bench;
using Electra.IO;
using Electra.Native;
using Electra.Training;
using TorchSharp;

// Electra's benchmark: pre-training and inference throughput, data-path throughput, memory and the matmul
// ceiling in one process (nanoGPT bench.py style: warm-up, timed repetitions, median and spread). See
// docs/performance.md and bench/run-with-peer.sh for the side-by-side run with the PyTorch peer.
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args is [OnnxBench.ChildSwitch, ..]) return OnnxBench.Child(args); // before libtorch loads: the ONNX Runtime row's own process
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}\n{BenchOptions.Usage}");
    return 2;
}

if (options.PeerConfig is { } peerConfig)
{
    // The peer's --config JSON: our preset's discriminator fields (HF names) plus the generator fraction.
    var preset = options.Presets[0];
    var json = JsonNode.Parse(preset.Discriminator.ToJson())!.AsObject();
    json["gen_frac"] = preset.GeneratorFraction;
    AtomicFile.WriteAllText(peerConfig, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    return 0;
}

string waitPolicy = OpenMp.ApplyWaitPolicy(options.OmpWait);
string mklCbwr = Mkl.PinReproducibility(); // as the CLI runs; MKL_CBWR set by hand wins (docs/performance.md, "Bit-exact runs")
TorchRuntime.EnsureLoaded();
torch.set_num_threads(options.Threads);
TrainingDevice training; // the trainer's device and bf16 rule
try
{
    training = TrainingDevice.Resolve(options.Device);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: --device {options.Device}: {e.Message}");
    return 1;
}
var device = training.Device;
string command = "dotnet run -c Release --project bench/Electra.Bench -- " + string.Join(' ', args);
var machine = Machine.Describe(command, device.ToString());
machine["omp_wait_policy"] = waitPolicy;
machine["mkl_cbwr"] = mklCbwr;
Console.WriteLine($"machine: {machine["cpu_model"]}, {machine["cores"]} cores, torch threads {machine["torch_threads"]} (OMP_WAIT_POLICY {waitPolicy}, MKL_CBWR {mklCbwr}), {machine["os"]}, {machine["dotnet"]}");
Console.WriteLine($"versions: TorchSharp {machine["torchsharp"]}, {machine["libtorch"]}; device {device}" +
                  (torch.cuda.is_available() ? "" : " (no CUDA device on this machine: CPU figures only)"));
Console.WriteLine($"load average (1 min): {machine["loadavg_1m_at_start"]}");
Console.WriteLine($"command: {command}");

if (options.LeakCheck)
{
    Console.WriteLine($"leak check: {options.LeakSteps} Tiny steps, batch 8 × seq {options.Seq}, threshold {options.LeakThresholdMb} MB");
    var leak = LeakCheck.Run(options.LeakSteps, batch: 8, options.Seq, training, options.LeakThresholdMb);
    Console.WriteLine($"rss start {leak.StartRssMb:F1} MB, end {leak.EndRssMb:F1} MB, growth {leak.EndRssMb - leak.StartRssMb:F1} MB, " +
                      $"slope {leak.SlopeMbPer1000Steps:F2} MB / 1000 steps: {(leak.Passed ? "PASS" : "FAIL")}");
    return leak.Passed ? 0 : 1;
}

var rows = new List<Row>();
void Add(Row row)
{
    rows.Add(row);
    Print(row, rows.Count == 1);
}

var ceiling = Electra.Bench.MatmulCeiling.Measure(device, repetitions: 5);
Add(ceiling);
if (options.DataRows)
{
    try
    {
        using var data = new DataBench(options.Corpus);
        Add(data.Tokenizer(repetitions: 3));
        Add(data.DatasetBuild(repetitions: 3));
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 1;
    }
}
try
{
    var lengths = options.Texts is { } texts ? RealTextBench.Lengths(texts, options.Vocab!, options.Seq) : null;
    foreach (var preset in options.Presets)
        foreach (int batch in options.Batches)
        {
            if (lengths is not null)
            {
                foreach (string order in RealTextBench.Orders)
                {
                    Add(RealTextBench.Inference(preset, batch, order, lengths, device, options.Warmup, options.Steps, ceiling.Gflops));
                    if (options.Onnx)
                        foreach (var quantization in new[] { Electra.Onnx.Export.OnnxQuantization.None, Electra.Onnx.Export.OnnxQuantization.Int8 })
                            Add(OnnxBench.Texts(preset, batch, order, lengths, options.Threads, options.Warmup, options.Steps, ceiling.Gflops, quantization));
                }
                continue;
            }
            var pretrain = ModelBench.Pretrain(preset, batch, options.Seq, training, options.Warmup, options.Steps, ceiling.Gflops);
            Add(pretrain);
            Add(MatmulBound.Measure(preset, batch, options.Seq, device, options.Warmup, options.Steps, ceiling.Gflops, pretrain));
            Add(ModelBench.Inference(preset, batch, options.Seq, device, options.Warmup, options.Steps, ceiling.Gflops));
            if (options.Onnx)
                foreach (var quantization in new[] { Electra.Onnx.Export.OnnxQuantization.None, Electra.Onnx.Export.OnnxQuantization.Int8 })
                    Add(OnnxBench.Inference(preset, batch, options.Seq, options.Threads, options.Warmup, options.Steps, ceiling.Gflops, quantization));
        }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}

if (options.Json is { } path)
{
    var report = new Dictionary<string, object> { ["machine"] = machine, ["rows"] = rows.Select(r => r.ToJson()).ToList() };
    AtomicFile.WriteAllText(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
    Console.WriteLine($"wrote {path}");
}
return 0;

static void Print(Row row, bool header)
{
    if (header)
        Console.WriteLine($"{"row",-28} {"tokens/s",10} {"ms/step",9} {"spread",7} {"GFLOP/s",8} {"MFU",5} {"MB/s",7} {"peak MB",8} {"cpu",5} {"load",10}");
    static string F(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "-";
    double? mfu = row.Extra.TryGetValue("mfu", out var m) ? (double)m : null;
    double? mbs = row.Extra.TryGetValue("mb_per_s", out var b) ? (double)b : null;
    var t = row.Timing;
    Console.WriteLine($"{row.Name,-28} {F(row.TokensPerSecond, "F0"),10} {F(row.MsPerStep, "F1"),9} {t.Spread,7:P0} {F(row.Gflops, "F1"),8} " +
                      $"{F(mfu, "P0"),5} {F(mbs, "F2"),7} {row.PeakRssMb,8:F0} {t.CpuUtilisation,5:F2} {t.LoadBefore,4:F1}→{t.LoadAfter,-4:F1}");
}
