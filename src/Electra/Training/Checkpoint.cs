using System.Globalization;
using System.Text.Json;
using Electra.Data;
using Electra.Interop;
using Electra.Pretraining;
using static TorchSharp.torch;

namespace Electra.Training;

/// <summary>What a checkpoint holds besides tensors: enough to continue the run exactly where it stopped.</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Data">The loader position of the next batch.</param>
/// <param name="TokensSeen">Non-padding tokens trained on, over all ranks.</param>
/// <param name="ElapsedSeconds">Training wall time so far.</param>
public sealed record TrainerState(long Step, LoaderPosition Data, long TokensSeen, double ElapsedSeconds);

/// <summary>
/// Training checkpoints: <c>checkpoints/step-NNNNNNNN/</c> with the joint model, the optimizer moments, the
/// RNG state and <see cref="TrainerState"/>. Each is written under a temporary name and renamed when
/// complete, so a run killed at any moment (even while saving) leaves its last complete checkpoint loadable.
/// </summary>
public static class Checkpoint
{
    const string Prefix = "step-";

    /// <summary>Folder name of the checkpoint after <paramref name="step"/> steps.</summary>
    public static string Name(long step) => Prefix + step.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>Complete checkpoints in <paramref name="dir"/>, oldest first.</summary>
    public static IReadOnlyList<string> List(string dir) =>
        !Directory.Exists(dir) ? Array.Empty<string>()
        : Directory.GetDirectories(dir, Prefix + "*").Where(d => File.Exists(Path.Combine(d, "state.json"))).Order(StringComparer.Ordinal).ToList();

    /// <summary>Writes a checkpoint atomically and removes all but the newest <paramref name="keep"/>.</summary>
    public static string Save(string dir, PretrainingObjective model, AdamWeightDecay optimizer, TrainerState state, int keep)
    {
        string target = Path.Combine(dir, Name(state.Step));
        try
        {
            AtomicFile.WriteDirectory(target, temp =>
            {
                SafeTensors.Save(Path.Combine(temp, "model.safetensors"), model.state_dict());
                SafeTensors.Save(Path.Combine(temp, "optimizer.safetensors"), optimizer.StateDict());
                using var rng = get_rng_state();
                SafeTensors.Save(Path.Combine(temp, "rng.safetensors"), new Dictionary<string, Tensor> { ["cpu"] = rng });
                AtomicFile.WriteAllText(Path.Combine(temp, "state.json"), JsonSerializer.Serialize(state, Json));
            });
        }
        catch (IOException e)
        {
            var previous = List(dir);
            throw new IOException($"could not write checkpoint {target}: {e.Message}. " +
                (previous.Count > 0 ? $"The previous checkpoint {previous[^1]} is intact." : "No earlier checkpoint exists."), e);
        }
        foreach (string old in List(dir).SkipLast(keep)) Directory.Delete(old, recursive: true);
        return target;
    }

    /// <summary>Restores model, optimizer and RNG from <paramref name="checkpoint"/>; returns its state.</summary>
    public static TrainerState Load(string checkpoint, PretrainingObjective model, AdamWeightDecay optimizer)
    {
        string statePath = Path.Combine(checkpoint, "state.json");
        TrainerState state;
        try
        {
            state = JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(statePath), Json) ?? throw new InvalidDataException($"{statePath}: empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{statePath}: not a trainer state ({e.Message})", e);
        }
        var weights = SafeTensors.Load(Path.Combine(checkpoint, "model.safetensors"));
        var moments = SafeTensors.Load(Path.Combine(checkpoint, "optimizer.safetensors"));
        var rng = SafeTensors.Load(Path.Combine(checkpoint, "rng.safetensors"));
        try
        {
            StateDictLoader.Load(model, weights, Path.Combine(checkpoint, "model.safetensors"));
            optimizer.LoadStateDict(moments, Path.Combine(checkpoint, "optimizer.safetensors"));
            if (!rng.TryGetValue("cpu", out var cpuState)) throw new InvalidDataException($"{checkpoint}: rng.safetensors lacks 'cpu'");
            set_rng_state(cpuState);
        }
        finally
        {
            foreach (var t in weights.Values.Concat(moments.Values).Concat(rng.Values)) t.Dispose();
        }
        return state;
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
