namespace Electra.Tests;

/// <summary>Where the repository and the read-only ../shared folder are, from the test assembly's location.</summary>
static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Shared => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string Fixture => Path.Combine(Shared, "fixtures", "hf-electra-tiny");

    public static string Pretrain => Path.Combine(Shared, "data", "pretrain");

    /// <summary>The built `electra` CLI (built alongside the tests, same configuration).</summary>
    public static string CliDll
    {
        get
        {
            string config = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<Config>/net10.0
            return Path.Combine(RepoRoot, "samples", "Electra.Cli", "bin", config, "net10.0", "Electra.Cli.dll");
        }
    }

    static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Electra.sln"))) return dir.FullName;
        throw new InvalidOperationException("Electra.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>A fresh empty folder under the system temp directory, removed on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "electra-tests-" + Guid.NewGuid().ToString("N"));

        public TempDir() => Directory.CreateDirectory(Path);

        public string this[string name] => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        }
    }
}
