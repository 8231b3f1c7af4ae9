using Electra.Modeling;
using Electra.Optimization;
using static TorchSharp.torch;

namespace Electra.FineTuning;

/// <summary>
/// Layer-wise learning-rate decay (Clark et al. 2020, §A; google-research/electra <c>_get_layer_lrs</c>): depth 0 is
/// the embeddings and <c>embeddings_project</c>, depth i + 1 is encoder layer i, depth L + 2 is the task head, and a
/// parameter at depth d learns at <c>lr · decay^(L + 2 − d)</c>. As in google's code no parameter has depth L + 1, so
/// the top layer already learns at decay² of the head's rate.
/// </summary>
internal static class LayerwiseLearningRates
{
    /// <summary>The depth of a parameter of a fine-tuning model (task head <c>classifier.*</c> or <c>qa_outputs.*</c>) of <paramref name="numLayers"/> layers, by its name.</summary>
    public static int Depth(string name, int numLayers)
    {
        if (name.StartsWith("electra.embeddings.", StringComparison.Ordinal) || name.StartsWith("electra.embeddings_project.", StringComparison.Ordinal)) return 0;
        const string Layer = "electra.encoder.layer.";
        if (name.StartsWith(Layer, StringComparison.Ordinal))
        {
            string index = name[Layer.Length..name.IndexOf('.', Layer.Length)];
            return int.Parse(index, System.Globalization.CultureInfo.InvariantCulture) + 1;
        }
        if (name.StartsWith("classifier.", StringComparison.Ordinal) || name.StartsWith("qa_outputs.", StringComparison.Ordinal)) return numLayers + 2;
        throw new ArgumentException($"parameter {name} has no depth (expected electra.embeddings*, electra.encoder.layer.N.*, classifier.* or qa_outputs.*)");
    }

    /// <summary>The multiplier of the peak rate at <paramref name="depth"/>: <c>decay^(L + 2 − depth)</c>.</summary>
    public static double Scale(int depth, int numLayers, double layerDecay) => Math.Pow(layerDecay, numLayers + 2 - depth);

    /// <summary>
    /// Optimizer groups per depth, each split into decayed matrices and undecayed LayerNorm/bias parameters
    /// (<see cref="AdamWeightDecay.DefaultGroups"/>'s rule), named <c>embeddings</c>, <c>layer_N</c> or <c>head</c>
    /// with a <c>.decay</c>/<c>.no_decay</c> suffix; empty groups are left out.
    /// </summary>
    public static IReadOnlyList<ParameterGroup> Groups(ElectraClassifier model, double layerDecay, double weightDecay) =>
        Groups(model, model.Config.NumHiddenLayers, layerDecay, weightDecay);

    /// <summary>
    /// <see cref="Groups(ElectraClassifier, double, double)"/> for any module whose encoder is registered as
    /// <c>electra</c> (e.g. a bi-encoder, which has no head: its top layer learns at decay² of the peak rate).
    /// </summary>
    public static IReadOnlyList<ParameterGroup> Groups(nn.Module model, int layers, double layerDecay, double weightDecay)
    {
        var groups = new List<ParameterGroup>();
        var all = model.UniqueNamedParameters().Where(p => p.Parameter.requires_grad).Select(p => (p.Name, p.Parameter, Depth: Depth(p.Name, layers))).ToList();
        foreach (var depth in all.Select(p => p.Depth).Distinct().Order())
        {
            string name = depth == 0 ? "embeddings" : depth == layers + 2 ? "head" : $"layer_{depth - 1}";
            foreach (bool decay in new[] { true, false })
            {
                var members = all.Where(p => p.Depth == depth && NoDecay(p.Name) != decay).Select(p => p.Parameter).ToList();
                if (members.Count > 0)
                    groups.Add(new ParameterGroup($"{name}.{(decay ? "decay" : "no_decay")}", members, decay ? weightDecay : 0.0, Scale(depth, layers, layerDecay)));
            }
        }
        return groups;
    }

    static bool NoDecay(string name) => name.Contains("LayerNorm") || name.Contains("layer_norm") || name.Contains("bias");
}
