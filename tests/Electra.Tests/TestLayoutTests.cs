namespace Electra.Tests;

/// <summary>
/// The tests are laid out like the code (tests/README.md): one test project per package, named after it (src/X or
/// samples/X for tests/X.Tests), and inside it only folders the package has. A folder without a counterpart is a test
/// filed in the wrong place.
/// </summary>
public class TestLayoutTests
{
    [Fact]
    public void Every_test_project_mirrors_a_package_and_its_folders()
    {
        string tests = Path.Combine(TestPaths.RepoRoot, "tests");
        var projects = Directory.GetDirectories(tests, "*.Tests").Select(Path.GetFileName).OfType<string>().Order().ToList();
        Assert.Contains("Electra.Tests", projects);
        var wrong = new List<string>();
        foreach (string project in projects)
        {
            string package = project[..^".Tests".Length];
            string? code = new[] { "src", "samples" }.Select(d => Path.Combine(TestPaths.RepoRoot, d, package)).FirstOrDefault(Directory.Exists);
            if (code is null)
            {
                wrong.Add($"tests/{project}: no src/{package} or samples/{package}");
                continue;
            }
            string root = Path.Combine(tests, project);
            wrong.AddRange(Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(root, Path.GetDirectoryName(f)!))
                .Where(d => d != "." && d.Split(Path.DirectorySeparatorChar)[0] is not ("bin" or "obj") && !Directory.Exists(Path.Combine(code, d)))
                .Distinct().Order()
                .Select(d => $"tests/{project}/{d}: {Path.GetRelativePath(TestPaths.RepoRoot, code)} has no folder {d}"));
        }
        Assert.True(wrong.Count == 0, "tests are laid out like the code (tests/README.md):\n" + string.Join("\n", wrong));
    }
}
