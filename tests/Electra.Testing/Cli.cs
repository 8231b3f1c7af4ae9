using System.Diagnostics;

namespace Electra.Testing;

/// <summary>Runs the built `electra` CLI as a user would, capturing exit code and output.</summary>
public static class Cli
{
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) =>
        Process("dotnet", TimeSpan.FromMinutes(5), [TestPaths.CliDll, .. args]);

    /// <summary>Runs <paramref name="file"/> with <paramref name="args"/>; kills it and throws after <paramref name="timeout"/>.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Process(string file, TimeSpan timeout, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout.TotalMinutes:F0} minutes");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
