namespace Electra.Tests.Onnx;

/// <summary>
/// The reference validator: Debian's <c>/usr/bin/python3</c> with <c>python3-onnx</c> runs
/// <c>onnx.checker.check_model(onnx.load(p), full_check=True)</c> (structure, operator schemas at the declared opset,
/// strict shape inference). <c>.ci/run</c> installs <c>python3-onnx</c> when it is missing.
/// </summary>
static class OnnxChecker
{
    const string Python = "/usr/bin/python3";

    /// <summary>Null when the checker can run, else why not.</summary>
    public static string? Unavailable { get; } = Probe();

    static string? Probe()
    {
        if (!File.Exists(Python)) return $"{Python} is missing (install python3-onnx: apt-get install python3-onnx)";
        var (code, _, err) = Run("-c", "import onnx");
        return code == 0 ? null : $"{Python} cannot import onnx (install python3-onnx: apt-get install python3-onnx): {err.Trim()}";
    }

    /// <summary>Runs the full check on <paramref name="path"/>; returns the checker's error text, or null when it passes.</summary>
    public static string? Check(string path)
    {
        var (code, output, err) = Run("-c", "import sys, onnx; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print('ok', m.opset_import[0].version)", path);
        return code == 0 && output.StartsWith("ok", StringComparison.Ordinal) ? null : $"exit {code}: {err}{output}";
    }

    static (int Code, string Stdout, string Stderr) Run(params string[] args) => Cli.Process(Python, TimeSpan.FromMinutes(2), args);
}

/// <summary>A theory that is skipped, with the reason, only when <c>python3-onnx</c> is missing.</summary>
public sealed class OnnxCheckerTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the checker cannot run.</summary>
    public OnnxCheckerTheoryAttribute()
    {
        if (OnnxChecker.Unavailable is { } why) Skip = why;
    }
}
