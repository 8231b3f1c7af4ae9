using System.Globalization;

namespace Electra.Distributed.Check;

/// <summary>What to run: the parity proof (default), with an optional injected fault, or the benchmark.</summary>
sealed record CheckOptions
{
    public const string Usage = """
        usage: mpirun -np N dotnet Electra.Distributed.Check.dll [options]
          (default)          parity: N ranks × batch G/N end with the parameters of 1 process × batch G
          --steps K          optimizer steps (default 5; bench 20)
          --batch G          global batch for parity (default 8); per-rank batch for --bench (default 64)
          --no-overlap       all-reduce on the calling thread instead of the background thread
          --timeout S        collective watchdog in seconds (default 60)
          --fault exit|hang  fault injection: --fault-rank exits with code 3 / sleeps forever before step 2
          --fault-rank R     the faulty rank (default 1)
          --bench            samples/s of forward+backward+all-reduce+step on a 4.2M-parameter MLP
          --threads T        torch threads per rank (default: cores / local ranks)
        usage: dotnet Electra.Distributed.Check.dll --compare A.safetensors B.safetensors [--tolerance X] [--expect-different]
          --compare A B      max |A − B| over all tensors; exit 0 when within --tolerance (default 1e-5),
                             or with --expect-different when above it (a control)
        """;

    public int Steps { get; init; } = 5;
    public int Batch { get; init; } = 8;
    public bool Overlap { get; init; } = true;
    public double TimeoutSeconds { get; init; } = 60;
    public string? Fault { get; init; }
    public int FaultRank { get; init; } = 1;
    public bool Bench { get; init; }
    public int? Threads { get; init; }
    public (string Left, string Right)? Compare { get; init; }
    public double Tolerance { get; init; } = 1e-5;
    public bool ExpectDifferent { get; init; }

    public static CheckOptions Parse(string[] args)
    {
        var o = new CheckOptions();
        bool stepsGiven = false, batchGiven = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            int Int() { string name = args[i], v = Value(); return int.TryParse(v, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : throw new ArgumentException($"{name} expects a positive integer, got '{v}'."); }
            switch (args[i])
            {
                case "--steps": o = o with { Steps = Int() }; stepsGiven = true; break;
                case "--batch": o = o with { Batch = Int() }; batchGiven = true; break;
                case "--no-overlap": o = o with { Overlap = false }; break;
                case "--timeout": o = o with { TimeoutSeconds = Int() }; break;
                case "--fault":
                    string f = Value();
                    o = f is "exit" or "hang" ? o with { Fault = f } : throw new ArgumentException($"--fault expects exit or hang, got '{f}'.");
                    break;
                case "--fault-rank": o = o with { FaultRank = int.Parse(Value(), CultureInfo.InvariantCulture) }; break;
                case "--bench": o = o with { Bench = true }; break;
                case "--threads": o = o with { Threads = Int() }; break;
                case "--compare": o = o with { Compare = (Value(), Value()) }; break;
                case "--tolerance":
                    string t = Value();
                    o = double.TryParse(t, CultureInfo.InvariantCulture, out double x) && x >= 0
                        ? o with { Tolerance = x }
                        : throw new ArgumentException($"--tolerance expects a non-negative number, got '{t}'.");
                    break;
                case "--expect-different": o = o with { ExpectDifferent = true }; break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}");
            }
        }
        if (o.Bench)
            o = o with { Steps = stepsGiven ? o.Steps : 20, Batch = batchGiven ? o.Batch : 64 };
        return o;
    }
}
