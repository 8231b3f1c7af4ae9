using System.Globalization;
using System.Text.Json;
using Electra.Data;
using Electra.Distributed;
using Electra.Interop;
using Electra.Pretraining;
using static TorchSharp.torch;

namespace Electra.Training;

/// <summary>What a checkpoint holds besides tensors: enough to continue the run exactly where it stopped.</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Data">The loader position of the next batch.</param>
/// <param name="TokensSeen">Non-padding tokens trained on, over all ranks.</param>
/// <param name="ElapsedSeconds">Training wall time so far.</param>
/// <param name="Ranks">Data-parallel ranks of the run that wrote it (one RNG state each).</param>
public sealed record TrainerState(long Step, LoaderPosition Data, long TokensSeen, double ElapsedSeconds, int Ranks = 1);

/// <summary>
/// Training checkpoints: <c>checkpoints/step-NNNNNNNN/</c> with the joint model, the optimizer moments, the
/// CPU RNG state of every rank (<c>rng.safetensors</c>: <c>rank0</c>, <c>rank1</c>, …) and <see cref="TrainerState"/>.
/// Each is written under a temporary name and renamed when complete, so a run killed at any moment (even while
/// saving) leaves its last complete checkpoint loadable. In a data-parallel run rank 0 writes and every rank reads
/// (the output folder is on a file system all ranks share).
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

    /// <summary>
    /// Writes a checkpoint atomically and removes all but the newest <paramref name="keep"/>. A collective when
    /// <paramref name="mpi"/> has several ranks (every rank calls it): the ranks' RNG states are gathered and rank 0
    /// alone writes. Returns the checkpoint's folder on every rank.
    /// </summary>
    public static string Save(string dir, PretrainingObjective model, AdamWeightDecay optimizer, TrainerState state, int keep, Mpi? mpi = null)
    {
        string target = Path.Combine(dir, Name(state.Step));
        var rngStates = GatherRngStates(mpi);
        if (mpi is { IsRoot: false }) return target;
        try
        {
            AtomicFile.WriteDirectory(target, temp =>
            {
                SafeTensors.Save(Path.Combine(temp, "model.safetensors"), model.state_dict());
                SafeTensors.Save(Path.Combine(temp, "optimizer.safetensors"), optimizer.StateDict());
                SafeTensors.Save(Path.Combine(temp, "rng.safetensors"), rngStates.Select((t, r) => (Key: RngKey(r), Value: t)).ToDictionary(e => e.Key, e => e.Value));
                AtomicFile.WriteAllText(Path.Combine(temp, "state.json"), JsonSerializer.Serialize(state with { Ranks = rngStates.Count }, Json));
            });
        }
        catch (IOException e)
        {
            var previous = List(dir);
            throw new IOException($"could not write checkpoint {target}: {e.Message}. " +
                (previous.Count > 0 ? $"The previous checkpoint {previous[^1]} is intact." : "No earlier checkpoint exists."), e);
        }
        finally
        {
            foreach (var t in rngStates) t.Dispose();
        }
        foreach (string old in List(dir).SkipLast(keep)) Directory.Delete(old, recursive: true);
        return target;
    }

    static string RngKey(int rank) => $"rank{rank}";

    /// <summary>
    /// Every rank's CPU RNG state (uint8, the same length on every rank), in rank order: each rank writes its bytes
    /// into its row of a zero table and one sum all-reduce fills the table everywhere.
    /// </summary>
    static List<Tensor> GatherRngStates(Mpi? mpi)
    {
        var mine = get_rng_state();
        if (mpi is null || mpi.Size == 1) return [mine];
        byte[] bytes;
        using (mine) bytes = mine.bytes.ToArray();
        var table = new float[mpi.Size * bytes.Length];
        for (int i = 0; i < bytes.Length; i++) table[mpi.Rank * bytes.Length + i] = bytes[i];
        mpi.AllReduceSum(table, "checkpoint: gathering every rank's RNG state");
        return Enumerable.Range(0, mpi.Size)
            .Select(r => tensor(table.AsSpan(r * bytes.Length, bytes.Length).ToArray().Select(v => (byte)v).ToArray()))
            .ToList();
    }

    /// <summary>
    /// Restores model and optimizer from <paramref name="checkpoint"/>, and this rank's RNG state when the checkpoint
    /// was written by as many ranks as <paramref name="mpi"/> has (otherwise the caller reseeds: compare
    /// <see cref="TrainerState.Ranks"/>); returns its state.
    /// </summary>
    public static TrainerState Load(string checkpoint, PretrainingObjective model, AdamWeightDecay optimizer, Mpi? mpi = null)
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
            int rank = mpi?.Rank ?? 0, size = mpi?.Size ?? 1;
            if (state.Ranks == size)
            {
                if (!rng.TryGetValue(RngKey(rank), out var mine))
                    throw new InvalidDataException($"{checkpoint}: rng.safetensors lacks '{RngKey(rank)}' (state.json says {state.Ranks} rank(s))");
                set_rng_state(mine);
            }
        }
        finally
        {
            foreach (var t in weights.Values.Concat(moments.Values).Concat(rng.Values)) t.Dispose();
        }
        return state;
    }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
