using Electra.Interop;
using Electra.Modeling;
using static TorchSharp.torch;

namespace Electra.FineTuning;

/// <summary>What loading a pre-trained folder into a fine-tuning model did with each tensor.</summary>
/// <param name="Source">The weight file read.</param>
/// <param name="Taken">Encoder keys (<c>electra.*</c>) copied into the model.</param>
/// <param name="Ignored">Keys of the file's other heads (e.g. <c>discriminator_predictions.*</c>), not used.</param>
/// <param name="Initialized">Keys of the new head, freshly initialised.</param>
public sealed record TransferReport(string Source, IReadOnlyList<string> Taken, IReadOnlyList<string> Ignored, IReadOnlyList<string> Initialized)
{
    /// <summary>One line per kind of key, for logs.</summary>
    public override string ToString() =>
        $"from {Source}: took {Taken.Count} encoder tensors (electra.*); " +
        $"ignored {Ignored.Count}{(Ignored.Count > 0 ? " (" + string.Join(", ", Ignored) + ")" : "")}; " +
        $"initialised {Initialized.Count} new ({string.Join(", ", Initialized)})";

    /// <summary>
    /// Loads the <c>electra.*</c> tensors of the folder <paramref name="dir"/> (any pre-trained or fine-tuned ELECTRA,
    /// ours or HF's) into <paramref name="encoder"/>, the encoder of the fine-tuning model <paramref name="model"/>.
    /// Every encoder tensor must be in the file with the right shape (all or nothing, each problem listed); the
    /// file's other keys are ignored and reported, and the model's keys outside <c>electra.*</c> reported as new.
    /// </summary>
    public static TransferReport LoadEncoder(nn.Module model, ElectraModel encoder, string dir)
    {
        var (tensors, path) = StateDictLoader.ReadFolder(dir);
        try
        {
            const string Prefix = StateDictLoader.BasePrefix;
            // The encoder's keys: electra.* (a model with heads) or all of them (a bare ElectraModel checkpoint).
            bool prefixed = tensors.Keys.Any(k => k.StartsWith(Prefix, StringComparison.Ordinal));
            var taken = prefixed ? tensors.Where(kv => kv.Key.StartsWith(Prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[Prefix.Length..], kv => kv.Value) : tensors;
            StateDictLoader.Load(encoder, taken, path);
            return new TransferReport(path,
                encoder.state_dict().Keys.Select(k => Prefix + k).ToList(),
                prefixed ? tensors.Keys.Where(k => !k.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList() : new List<string>(),
                model.state_dict().Keys.Where(k => !k.StartsWith(Prefix, StringComparison.Ordinal)).ToList());
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
