using Electra.Interop;
using static TorchSharp.torch;

namespace Electra.Pretraining;

/// <summary>Writes the models a pre-training objective trained as HF folders (<see cref="PretrainingObjective.ExportModels"/>).</summary>
internal static class PretrainingExport
{
    /// <summary>
    /// Saves every exported model as <c>DIR/{folder}</c> (discriminator + generator, or mlm) with the tokenizer files of
    /// <paramref name="tokenizerDir"/>, after checking that every weight is finite; returns the folders written.
    /// </summary>
    public static IReadOnlyList<string> Save(PretrainingObjective objective, string dir, string? tokenizerDir)
    {
        EnsureFinite(objective, "the weights to export");
        var written = new List<string>();
        foreach (var export in objective.ExportModels())
        {
            string folder = Path.Combine(dir, export.Folder);
            Pretrained.Save(export.Model, export.Config, export.Architecture, folder, tokenizerDir);
            written.Add(folder);
        }
        return written;
    }

    /// <summary>Throws <see cref="InvalidDataException"/> naming the first parameter with a NaN or infinite value.</summary>
    /// <param name="model">The module to check.</param>
    /// <param name="what">What the weights are, for the message (a file, "the weights to export").</param>
    public static void EnsureFinite(nn.Module model, string what)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var scope = NewDisposeScope();
            if (!parameter.isfinite().all().item<bool>()) // sync: load and export time only
                throw new InvalidDataException($"{what}: {name} holds NaN or infinite values");
        }
    }
}
