using System.Globalization;
using Electra.Modeling;
using Electra.Native;

namespace Electra.Bench;

/// <summary>Command-line options of the benchmark, with their defaults.</summary>
sealed record BenchOptions
{
    /// <summary>usage text printed on bad arguments.</summary>
    public const string Usage = """
        usage: dotnet run -c Release --project bench/Electra.Bench -- [options]
          (no options)            the full table: matmul ceiling, tokenizer, dataset build, pre-training (and
                                  its matmuls alone: matmul-bound), inference for tiny and small at batch 32
                                  and 8, seq 128
          --preset tiny|small     only this preset's model rows (plus the matmul ceiling)
          --batch B               only this batch size (default: 32 and 8)
          --seq L                 sequence length (default 128)
          --steps N               timed repetitions per row (default 8)
          --warmup N              untimed repetitions first (default 2)
          --threads N             torch intra-op threads (default: all cores)
          --device cpu|cuda       default cpu
          --omp-wait POLICY       how libtorch's idle OpenMP workers wait: spin (default: 20,000 spins, then
                                  sleep, as the electra command), passive or active; an OMP_WAIT_POLICY
                                  already in the environment wins
          --corpus DIR            text corpus for the tokenizer and dataset rows (default ../shared/data/pretrain,
                                  from the repository root)
          --no-onnx               skip the ONNX Runtime inference rows (inference-onnx/... and, exported with
                                  --quantize int8, inference-onnx-int8/...; timed in a child process without
                                  libtorch, on the discriminator exported by export-onnx)
          --texts FILE.tsv        instead of the model rows: inference on the padded shapes of a task's texts
                                  (tokenized with --vocab, truncated to --seq), batched in input order and
                                  sorted by length (inference[-onnx[-int8]]/<preset>/b<B>/texts-input|sorted)
          --vocab DIR             folder with the vocab.txt that --texts is tokenized with
          --json FILE             also write the results as JSON
          --leak-check            instead: train Tiny and fail (exit 1) if RSS grows
          --leak-steps N          steps of the leak check (default 1000)
          --leak-threshold-mb X   allowed RSS growth (default 64)
          --peer-config FILE      instead: write the PyTorch peer's --config JSON for --preset and exit
        """;

    /// <summary>Presets of the model rows.</summary>
    public IReadOnlyList<ElectraPreset> Presets { get; init; } = new[] { ElectraPreset.Tiny, ElectraPreset.Small };

    /// <summary>Batch sizes of the model rows.</summary>
    public IReadOnlyList<int> Batches { get; init; } = new[] { 32, 8 };

    /// <summary>Sequence length.</summary>
    public int Seq { get; init; } = 128;

    /// <summary>Timed repetitions per row.</summary>
    public int Steps { get; init; } = 8;

    /// <summary>Untimed repetitions before them.</summary>
    public int Warmup { get; init; } = 2;

    /// <summary>Intra-op threads; 2 was the fastest on the 2-core machine (docs/performance.md).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>How OpenMP workers wait: the electra command's bounded spin (docs/performance.md).</summary>
    public OpenMpWait OmpWait { get; init; } = OpenMpWait.Spin;

    /// <summary>cpu or cuda.</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Corpus folder of the data rows: the shared data beside the repository, run from its root.</summary>
    public string Corpus { get; init; } = "../shared/data/pretrain";

    /// <summary>Time the exported discriminator on ONNX Runtime next to each TorchSharp inference row.</summary>
    public bool Onnx { get; init; } = true;

    /// <summary>A TSV task file whose texts' padded shapes the inference rows time (<see cref="RealTextBench"/>).</summary>
    public string? Texts { get; init; }

    /// <summary>The tokenizer folder of <see cref="Texts"/>.</summary>
    public string? Vocab { get; init; }

    /// <summary>JSON output file.</summary>
    public string? Json { get; init; }

    /// <summary>Run the data rows (only in the full table).</summary>
    public bool DataRows { get; init; } = true;

    /// <summary>Run the leak check instead of the table.</summary>
    public bool LeakCheck { get; init; }

    /// <summary>Steps of the leak check.</summary>
    public int LeakSteps { get; init; } = 1000;

    /// <summary>Allowed RSS growth over the leak check, MB.</summary>
    public double LeakThresholdMb { get; init; } = 64;

    /// <summary>Where to write the peer's config JSON, if asked.</summary>
    public string? PeerConfig { get; init; }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> naming the bad argument.</summary>
    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Int(int min)
            {
                string v = Value();
                return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min
                    ? n : throw new ArgumentException($"{name}: expected an integer ≥ {min}, got '{v}'");
            }
            o = name switch
            {
                "--preset" => o with { Presets = new[] { ElectraPreset.FromName(Value()) }, DataRows = false },
                "--batch" => o with { Batches = new[] { Int(1) }, DataRows = false },
                "--seq" => o with { Seq = Int(2), DataRows = false },
                "--steps" => o with { Steps = Int(1) },
                "--warmup" => o with { Warmup = Int(0) },
                "--threads" => o with { Threads = Int(1) },
                "--device" => o with { Device = Value() },
                "--omp-wait" => o with { OmpWait = WaitPolicy(Value()) },
                "--corpus" => o with { Corpus = Value() },
                "--json" => o with { Json = Value() },
                "--texts" => o with { Texts = Value(), DataRows = false },
                "--vocab" => o with { Vocab = Value() },
                "--no-onnx" => o with { Onnx = false },
                "--leak-check" => o with { LeakCheck = true },
                "--leak-steps" => o with { LeakSteps = Int(1) },
                "--leak-threshold-mb" => o with { LeakThresholdMb = Int(0) },
                "--peer-config" => o with { PeerConfig = Value() },
                _ => throw new ArgumentException($"unknown option '{name}'"),
            };
        }
        static OpenMpWait WaitPolicy(string v) => Enum.TryParse<OpenMpWait>(v, ignoreCase: true, out var wait) && !int.TryParse(v, out _)
            ? wait : throw new ArgumentException($"--omp-wait: expected spin, passive or active, got '{v}'");
        if (o.PeerConfig is not null && o.Presets.Count != 1) throw new ArgumentException("--peer-config needs --preset");
        if ((o.Texts is null) != (o.Vocab is null)) throw new ArgumentException("--texts and --vocab go together");
        return o;
    }
}
