namespace Electra.Testing;

/// <summary>
/// Where the repository and the tests' own data are, from the test assembly's location. The data lives in
/// tests/data (written by tests/data/make_test_data.sh, pinned by its SHA256SUMS): tests never read anything beside
/// the repository, so a fresh clone passes them.
/// </summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = FindRoot();

    static string Data => Path.Combine(RepoRoot, "tests", "data");

    /// <summary>The PyTorch-written HF fixture: discriminator/, generator/, vocab.txt and golden.json.</summary>
    public static string Fixture => Path.Combine(Data, "hf-electra-tiny");

    /// <summary>A folder of plain-text corpora (moby-dick.txt, sotu.txt, brown.txt): the first documents of each.</summary>
    public static string Pretrain => Path.Combine(Data, "pretrain");

    /// <summary>A folder of task folders (brown-genre TSV, brown-pos CoNLL): the first examples of each split.</summary>
    public static string Tasks => Path.Combine(Data, "tasks");

    /// <summary>Names another build of the CLI for the CLI-level tests to run instead of this tree's (tests/README.md).</summary>
    public const string CliUnderTestVariable = "ELECTRA_CLI_UNDER_TEST";

    /// <summary>
    /// The `electra` CLI the tests run: the one built alongside the tests (same configuration), or the Electra.Cli.dll
    /// that <see cref="CliUnderTestVariable"/> names, e.g. an older commit's build to show a test fails there.
    /// </summary>
    public static string CliDll
    {
        get
        {
            string? other = Environment.GetEnvironmentVariable(CliUnderTestVariable);
            if (!string.IsNullOrEmpty(other))
                return File.Exists(other) ? Path.GetFullPath(other) : throw new FileNotFoundException($"{CliUnderTestVariable}={other}: no such file", other);
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
