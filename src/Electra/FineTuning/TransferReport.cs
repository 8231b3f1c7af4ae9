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
}
