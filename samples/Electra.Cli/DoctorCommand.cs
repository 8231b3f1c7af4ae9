using System.CommandLine;
using Electra.Corpora;
using Electra.Diagnostics;
using Electra.Onnx;

namespace Electra.Cli;

/// <summary>
/// `electra doctor`: what this machine can run, one line per component with the command that fixes a missing one
/// (<see cref="Doctor"/>; the ONNX Runtime and corpus-cache probes come from their packages). Exit 0 when pre-training
/// on the device asked for (default: auto, as pretrain) can run, 1 when it cannot.
/// </summary>
static class DoctorCommand
{
    static readonly Option<string> Device = CliOption.Choice("--device", "auto", "the device pre-training would use (auto: cuda when available)", "auto", "cpu", "cuda");
    static readonly Option<string> Corpus = CliOption.Text("--corpus", "the corpus cache to check (default: $XDG_CACHE_HOME/electra/corpora/default)", valueName: "DIR");

    public static Command Create() => CliOption.Command("doctor", "what this machine can run: .NET, TorchSharp and libtorch, CUDA, bf16, threads, Open MPI, ONNX Runtime, the corpus cache",
        Run, Device, Corpus);

    static int Run(ParseResult r)
    {
        if (r.GetValue(Corpus) is { } corpus && File.Exists(corpus))
            throw new UsageException($"--corpus {corpus}: a file; doctor checks a corpus cache folder (pretrain reads files, `electra corpus fetch --out DIR` fills a cache)");
        var report = Doctor.Run(new DoctorOptions
        {
            Device = r.GetRequiredValue(Device),
            MoreChecks = [Doctor.OnnxRuntime(OnnxRuntimeInfo.Probe), CorpusDownloader.Check(r.GetValue(Corpus))],
        });
        foreach (var c in report.Checks)
        {
            Console.WriteLine($"{(c.Ok ? "ok" : "missing"),-8} {c.Name,-17} {c.Detail}");
            if (!c.Ok && c.Fix is not null) Console.WriteLine($"{"",-8} {"",-17} fix: {c.Fix}");
        }
        var blocking = report.Checks.Where(c => c.Required && !c.Ok).Select(c => c.Name).ToList();
        Console.WriteLine(report.CanPretrain
            ? $"pre-training on {report.Device} can run"
            : $"pre-training on {report.Device} cannot run: {string.Join(", ", blocking)} missing");
        return report.CanPretrain ? 0 : 1;
    }
}
