using Electra.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Tests;

/// <summary>
/// Every parameter name and shape of every preset equals HF's state_dict keys, compared with the checked-in
/// list in Approved/presets.txt (built on the meta device, so Large costs no memory). To approve a change,
/// run with ELECTRA_APPROVE=1 and review the diff of that file.
/// </summary>
public class ApprovalListingTests
{
    static string Listing()
    {
        var lines = new List<string>();
        var previous = get_default_device();
        set_default_device(torch.META);
        try
        {
            foreach (var preset in ElectraPreset.All.Where(p => p.Name != "tiny"))
            {
                using var disc = new ElectraForPreTraining(preset.Discriminator);
                using var gen = new ElectraForMaskedLM(preset.Generator);
                foreach (var (label, module) in new (string, nn.Module)[] { ($"{preset.Name}-discriminator", disc), ($"{preset.Name}-generator", gen) })
                {
                    var state = module.state_dict();
                    lines.Add($"# {label}: {state.Count} tensors");
                    lines.AddRange(state.Select(kv => $"{kv.Key} [{string.Join(", ", kv.Value.shape)}]"));
                }
            }
        }
        finally
        {
            set_default_device(previous);
        }
        return string.Join("\n", lines) + "\n";
    }

    [Fact]
    public void Names_and_shapes_of_every_preset_match_the_approved_list()
    {
        string approvedPath = Path.Combine(TestPaths.RepoRoot, "tests", "Electra.Tests", "Approved", "presets.txt");
        string actual = Listing();
        if (Environment.GetEnvironmentVariable("ELECTRA_APPROVE") == "1") File.WriteAllText(approvedPath, actual);
        Assert.True(File.Exists(approvedPath), $"{approvedPath} is missing: run once with ELECTRA_APPROVE=1");
        Assert.Equal(File.ReadAllText(approvedPath), actual);
    }

    [Fact]
    public void Small_has_the_papers_parameter_counts_with_the_tied_head_counted_once()
    {
        // Analytic counts: ELECTRA-Small's discriminator is the paper's 14M; the generator's LM-head weight is the word table.
        torch.manual_seed(0);
        using var disc = new ElectraForPreTraining(ElectraPreset.Small.Discriminator);
        using var gen = new ElectraForMaskedLM(ElectraPreset.Small.Generator);
        Assert.Equal(13_549_057, disc.CountUniqueParameters());
        Assert.Equal(4_620_026, gen.CountUniqueParameters());
        Assert.Equal(205, gen.state_dict().Count);
        Assert.Equal(204, gen.UniqueNamedParameters().Count);
    }

    [Fact]
    public void Fixture_keys_are_exactly_our_keys()
    {
        // The PyTorch peer writes HF's keys; ours must be the same set (the tied lm-head weight included).
        foreach (string part in new[] { "discriminator", "generator" })
        {
            var tensors = Interop.SafeTensors.Load(Path.Combine(TestPaths.Fixture, part, "model.safetensors"));
            var config = Interop.Pretrained.ReadConfig(Path.Combine(TestPaths.Fixture, part));
            using nn.Module model = part == "generator" ? new ElectraForMaskedLM(config) : new ElectraForPreTraining(config);
            Assert.Equal(tensors.Keys.Order(), model.state_dict().Keys.Order());
        }
    }
}
