using System.Diagnostics;
using System.Text.Json;
using Electra.Interop;
using Electra.Onnx.Export;
using Electra.Modeling;
using Electra.Onnx;
using Electra.Pretraining;
using TorchSharp;

namespace Electra.Bench;

/// <summary>
/// The discriminator's inference on ONNX Runtime next to <see cref="ModelBench.Inference"/>: the same preset and seed
/// exported with <see cref="OnnxExport"/>, then timed in a child process that never loads libtorch, so its peak RSS is
/// what an application serving with Electra.Onnx alone needs. Rows also carry each runtime's on-disk size. With
/// <see cref="OnnxQuantization.Int8"/> the export is <c>export-onnx --quantize int8</c>'s (row <c>inference-onnx-int8/…</c>).
/// </summary>
static class OnnxBench
{
    /// <summary>The child's command-line switch: <c>--onnx-child DIR</c> with --shapes/--threads/--warmup/--steps.</summary>
    public const string ChildSwitch = "--onnx-child";

    /// <summary>Exports <paramref name="preset"/>'s discriminator (seed 0) and times it on ONNX Runtime in a child process.</summary>
    public static Row Inference(ElectraPreset preset, int batch, int seq, int threads, int warmup, int steps, double? ceilingGflops,
        OnnxQuantization quantization = OnnxQuantization.None)
    {
        var (timing, peakRssMb, extra) = TimeChild(preset, [(batch, seq)], threads, warmup, steps, quantization);
        double flops = FlopCounter.Encoder(preset.Discriminator, batch, seq) + FlopCounter.DiscriminatorHead(preset.Discriminator, (long)batch * seq);
        double gflops = flops / timing.Median / 1e9;
        extra["flops_per_step"] = flops;
        extra["preset"] = preset.Name;
        extra["batch"] = batch;
        extra["seq"] = seq;
        if (ceilingGflops is { } c) extra["mfu"] = gflops / c;
        return new Row($"{RowPrefix(quantization)}/{preset.Name}/b{batch}/s{seq}", batch * seq / timing.Median, timing.Median * 1e3, gflops, peakRssMb, timing, extra);
    }

    /// <summary>As <see cref="RealTextBench.Inference"/> on ONNX Runtime: one pass over the batches of a task's texts per repetition.</summary>
    public static Row Texts(ElectraPreset preset, int batch, string order, int[] lengths, int threads, int warmup, int steps, double? ceilingGflops,
        OnnxQuantization quantization = OnnxQuantization.None)
    {
        var shapes = RealTextBench.Shapes(lengths, batch, order);
        var (timing, peakRssMb, extra) = TimeChild(preset, shapes, threads, warmup, steps, quantization);
        return RealTextBench.ToRow(RowPrefix(quantization), preset, batch, order, lengths, shapes, timing, peakRssMb, ceilingGflops, extra);
    }

    static string RowPrefix(OnnxQuantization quantization) => quantization == OnnxQuantization.Int8 ? "inference-onnx-int8" : "inference-onnx";

    static (Timing Timing, double PeakRssMb, Dictionary<string, object> Extra) TimeChild(ElectraPreset preset, (int Batch, int Seq)[] shapes, int threads, int warmup, int steps,
        OnnxQuantization quantization)
    {
        string work = Directory.CreateTempSubdirectory("electra-bench-onnx-").FullName;
        try
        {
            torch.manual_seed(0);
            using (var discriminator = new ElectraForPreTraining(preset.Discriminator))
                discriminator.SavePretrained(Path.Combine(work, "hf"));
            var export = OnnxExport.Export(Path.Combine(work, "hf"), Path.Combine(work, "onnx"), quantization: quantization);
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { typeof(OnnxBench).Assembly.Location, ChildSwitch, Path.Combine(work, "onnx"), "--shapes", RealTextBench.Format(shapes),
                         "--threads", $"{threads}", "--warmup", $"{warmup}", "--steps", $"{steps}" })
                psi.ArgumentList.Add(a);
            using var child = Process.Start(psi)!;
            var stdout = child.StandardOutput.ReadToEndAsync();
            var stderr = child.StandardError.ReadToEndAsync();
            child.WaitForExit();
            if (child.ExitCode != 0) throw new InvalidOperationException($"the ONNX Runtime child failed (exit {child.ExitCode}): {stderr.Result}");
            var result = JsonDocument.Parse(stdout.Result.Trim().Split('\n')[^1]).RootElement;
            double D(string key) => result.GetProperty(key).GetDouble();
            var timing = new Timing(D("median_s"), D("min_s"), D("max_s"), steps, D("cpu_util"), D("load_before"), D("load_after"));
            var extra = new Dictionary<string, object>
            {
                ["runtime"] = "onnxruntime",
                ["opset"] = export.Opset, ["quantization"] = quantization.ToString().ToLowerInvariant(), ["model_mb"] = new FileInfo(export.ModelPath).Length / 1e6, ["runtime_disk_mb"] = RuntimeDiskMb(onnx: true),
                ["peak_rss_is_whole_process"] = true,
            };
            return (timing, D("peak_rss_mb"), extra);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// Megabytes on disk of a runtime as this build ships it for linux-x64: ONNX Runtime's native library and managed
    /// wrapper, or libtorch's libraries (torch, c10, gomp, shm, LibTorchSharp) and TorchSharp.dll.
    /// </summary>
    public static double RuntimeDiskMb(bool onnx)
    {
        string bin = AppContext.BaseDirectory;
        string native = Path.Combine(bin, "runtimes", "linux-x64", "native");
        string[] prefixes = onnx ? ["libonnxruntime"] : ["libtorch", "libc10", "libgomp", "libshm", "libLibTorchSharp"];
        var files = Directory.Exists(native) ? Directory.GetFiles(native).Where(f => prefixes.Any(Path.GetFileName(f).StartsWith)) : [];
        files = files.Append(Path.Combine(bin, onnx ? "Microsoft.ML.OnnxRuntime.dll" : "TorchSharp.dll")).Where(File.Exists);
        return files.Sum(f => new FileInfo(f).Length) / 1e6;
    }

    /// <summary>
    /// The child: loads the export on ONNX Runtime (no libtorch in this process), times one pass over full-length random
    /// batches of each shape (like <see cref="ModelBench.RandomBatch"/>'s) per repetition, and prints one JSON line with
    /// the timing and the process's peak RSS.
    /// </summary>
    public static int Child(string[] args)
    {
        string dir = args[1];
        string Value(string name) => args[Array.IndexOf(args, name) + 1];
        int Arg(string name) => int.Parse(Value(name), System.Globalization.CultureInfo.InvariantCulture);
        using var model = ElectraOnnxModel.Load(dir, new OnnxModelOptions { IntraOpThreads = Arg("--threads") });
        var random = new Random(0);
        var inputs = RealTextBench.Parse(Value("--shapes")).Select(shape =>
        {
            var (batch, seq) = shape;
            var ids = new long[batch * seq];
            for (int i = 0; i < ids.Length; i++)
                ids[i] = (i % seq) switch { 0 => SpecialTokens.Default.Cls, var t when t == seq - 1 => SpecialTokens.Default.Sep, _ => random.Next(ModelBench.FirstRegularId, model.VocabSize) };
            return (Ids: ids, Mask: Enumerable.Repeat(1L, ids.Length).ToArray(), Types: new long[ids.Length], batch, seq);
        }).ToArray();
        var timing = Timing.Measure(() =>
        {
            foreach (var (ids, mask, types, batch, seq) in inputs) model.Run(ids, mask, types, batch, seq);
        }, Arg("--warmup"), Arg("--steps"));
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double>
        {
            ["median_s"] = timing.Median, ["min_s"] = timing.Min, ["max_s"] = timing.Max, ["cpu_util"] = timing.CpuUtilisation,
            ["load_before"] = timing.LoadBefore, ["load_after"] = timing.LoadAfter, ["peak_rss_mb"] = Memory.PeakRssMb(),
        }));
        return 0;
    }
}
