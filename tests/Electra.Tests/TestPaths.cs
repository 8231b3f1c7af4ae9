namespace Electra.Tests;

/// <summary>
/// Where the repository and the tests' own data are, from the test assembly's location. The data lives in
/// tests/data (written by tests/data/make_test_data.sh, pinned by its SHA256SUMS): tests never read anything beside
/// the repository, so a fresh clone passes them.
/// </summary>
static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    static string Data => Path.Combine(RepoRoot, "tests", "data");

    /// <summary>The PyTorch-written HF fixture: discriminator/, generator/, vocab.txt and golden.json.</summary>
    public static string Fixture => Path.Combine(Data, "hf-electra-tiny");

    /// <summary>A folder of plain-text corpora (moby-dick.txt, sotu.txt, brown.txt): the first documents of each.</summary>
    public static string Pretrain => Path.Combine(Data, "pretrain");

    /// <summary>A folder of task folders (brown-genre TSV, brown-pos CoNLL): the first examples of each split.</summary>
    public static string Tasks => Path.Combine(Data, "tasks");

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
