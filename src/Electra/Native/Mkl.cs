namespace Electra.Native;

/// <summary>
/// Intel MKL, libtorch's BLAS on x64 Linux, and its conditional numerical reproducibility (CNR) mode. Outside CNR mode
/// MKL may choose code paths and split work from run-time conditions, so two identical CPU runs can differ in the last
/// bits of the weights (issue 22: 1 tiny pre-training in ~30 came out 1.75e-6 away from the others). <c>MKL_CBWR=AUTO</c>
/// keeps the branch MKL picks for the machine but makes its choices fixed for a fixed thread count, which is what
/// "bit-exact on CPU" needs: same machine, same threads, same bits (docs/performance.md, "Bit-exact runs").
/// </summary>
public static class Mkl
{
    /// <summary>The CNR setting applied: <c>AUTO</c>, the machine's own code branch, reproducible run to run.</summary>
    internal const string Reproducible = "AUTO";

    /// <summary>The variable that turns the pin off: <c>ELECTRA_MKL_CBWR=off</c> leaves MKL as shipped (faster under load, not bit-exact).</summary>
    internal const string OptOutVariable = "ELECTRA_MKL_CBWR";

    /// <summary>
    /// Sets <c>MKL_CBWR</c> to <see cref="Reproducible"/> unless the user already set it (then theirs is kept, e.g.
    /// <c>AVX2,STRICT</c> for results that also hold across thread counts) or turned the pin off with
    /// <see cref="OptOutVariable"/><c>=off</c> (MKL has no value of its own for "off"). MKL reads the variable at its first call, so
    /// this must run before the process's first matrix product: the <c>electra</c> command calls it first thing and
    /// <see cref="TorchRuntime.EnsureLoaded"/> calls it, so a library caller gets it by calling that (or any Electra
    /// entry point) before its own tensor work. Returns the setting in force, for logs.
    /// </summary>
    public static string PinReproducibility()
    {
        if (Environment.GetEnvironmentVariable("MKL_CBWR") is { } existing) return existing;
        if (string.Equals(Environment.GetEnvironmentVariable(OptOutVariable), "off", StringComparison.OrdinalIgnoreCase)) return "off";
        NativeEnvironment.Set("MKL_CBWR", Reproducible);
        return Reproducible;
    }
}
