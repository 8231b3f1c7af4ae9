using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Electra.Tests;

/// <summary>
/// The tests carry their own data: tests/data is intact (SHA256SUMS, written by tests/data/make_test_data.sh), and no
/// test source names a folder beside the repository or a machine path. The full proof is `.ci/run`, which runs the
/// suite on a copy of the repository with nothing beside it; this catches the mistake early on a machine that has one.
/// </summary>
public class TestDataTests
{
    static string Data => Path.Combine(TestPaths.RepoRoot, "tests", "data");

    [Fact]
    public void Every_file_of_tests_data_matches_its_checksum()
    {
        var lines = File.ReadAllLines(Path.Combine(Data, "SHA256SUMS"));
        Assert.NotEmpty(lines);
        foreach (string line in lines)
        {
            string expected = line[..64], path = line[66..];
            using var stream = File.OpenRead(Path.Combine(Data, path));
            Assert.True(expected == Convert.ToHexStringLower(SHA256.HashData(stream)), $"tests/data/{path} differs from SHA256SUMS");
        }
        Assert.True(File.Exists(Path.Combine(TestPaths.Fixture, "golden.json")));
        Assert.True(File.Exists(Path.Combine(TestPaths.Pretrain, "moby-dick.txt")));
    }

    [Fact]
    public void No_test_reads_outside_the_repository()
    {
        // "../shared", Path.Combine(..., "..", "shared") or the development machine's absolute data path (under
        // /work): what a clone from GitHub does not have.
        var outside = new Regex(@"\.\./shared|""shared""|""/work\b");
        string self = Path.Combine("Electra.Tests", nameof(TestDataTests) + ".cs");
        var offenders = Directory.EnumerateFiles(Path.Combine(TestPaths.RepoRoot, "tests"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.EndsWith(self))
            .SelectMany(f => File.ReadLines(f).Select((text, i) => (f, i, text)))
            .Where(l => outside.IsMatch(l.text))
            .Select(l => $"{Path.GetRelativePath(TestPaths.RepoRoot, l.f)}:{l.i + 1}: {l.text.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "tests must use TestPaths.Fixture/Pretrain/Tasks or data they write:\n" + string.Join("\n", offenders));
    }
}
