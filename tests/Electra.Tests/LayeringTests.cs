using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using ArchUnitNET.xUnit;
using Electra.Modeling;
using static ArchUnitNET.Fluent.ArchRuleDefinition;

namespace Electra.Tests;

/// <summary>
/// The folders of the core package (one namespace each) form layers: a folder uses only the folders below it, so there
/// are no cycles and a reader can learn the code bottom to top. The order is <see cref="Layers"/>, stated in
/// docs/architecture.md; the check reads the compiled assembly (ArchUnitNET: signatures and method bodies), so a
/// fully qualified name or a <c>using static</c> cannot slip past it.
/// </summary>
public class LayeringTests
{
    /// <summary>The core package's folders, bottom to top.</summary>
    static readonly string[] Layers =
        ["Native", "IO", "Modeling", "Interop", "Data", "Distributed", "Optimization", "Pretraining", "Adaptation", "Training", "FineTuning", "Retrieval", "Tasks", "Diagnostics"];

    static readonly System.Reflection.Assembly Core = typeof(ElectraConfig).Assembly;

    static readonly Architecture Architecture = new ArchLoader().LoadAssemblies(Core).Build();

    /// <summary>Every layer but the top one, which may use all the others.</summary>
    public static TheoryData<string> Folders() => new(Layers[..^1]);

    [Theory]
    [MemberData(nameof(Folders))]
    public void A_folder_uses_only_the_folders_below_it(string folder)
    {
        var above = Layers[(Array.IndexOf(Layers, folder) + 1)..];
        Types().That().ResideInNamespaceMatching(InAny(folder))
            .Should().NotDependOnAny(Types().That().ResideInNamespaceMatching(InAny(above)))
            .Because($"Electra.{folder} sits below {string.Join(", ", above)} (docs/architecture.md)")
            .Check(Architecture);
    }

    [Fact]
    public void Every_namespace_of_the_core_package_is_a_layer()
    {
        var namespaces = Core.GetTypes().Select(t => t.Namespace).OfType<string>().Where(n => n.StartsWith("Electra.", StringComparison.Ordinal))
            .Select(n => n.Split('.')[1]).Distinct().Order();
        Assert.Empty(namespaces.Except(Layers));
    }

    [Fact]
    public void The_architecture_document_states_the_order_the_test_enforces()
    {
        string doc = File.ReadAllText(Path.Combine(TestPaths.RepoRoot, "docs", "architecture.md"));
        Assert.Contains(string.Join(" → ", Layers), doc);
    }

    /// <summary>A namespace pattern for the folders (and their sub-folders, e.g. FineTuning.QuestionAnswering).</summary>
    static string InAny(params string[] folders) => $@"^Electra\.({string.Join("|", folders)})(\..+)?$";
}
