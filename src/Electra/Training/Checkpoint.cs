using System.Globalization;
using System.Text.Json;
using Electra.Data;
using Electra.Distributed;
using Electra.IO;
using Electra.Interop;
using Electra.Optimization;
using Electra.Pretraining;
using static TorchSharp.torch;

namespace Electra.Training;

/// <summary>What a checkpoint holds besides tensors: enough to continue the run exactly where it stopped.</summary>
/// <param name="Step">Optimizer steps completed.</param>
/// <param name="Data">The loader position of the next batch.</param>
/// <param name="TokensSeen">Non-padding tokens trained on, over all ranks.</param>
/// <param name="ElapsedSeconds">Training wall time so far.</param>
/// <param name="Ranks">Data-parallel ranks of the run that wrote it (one RNG state each).</param>
internal sealed record TrainerState(long Step, LoaderPosition Data, long TokensSeen, double ElapsedSeconds, int Ranks = 1);

/// <summary>
/// Training checkpoints: <c>checkpoints/step-NNNNNNNN/</c> with the joint model, the optimizer moments, the
/// CPU RNG state of every rank (<c>rng.safetensors</c>: <c>rank0</c>, <c>rank1</c>, …), <see cref="TrainerState"/>,
/// and, written last, <c>manifest.json</c> with the size and SHA-256 of every other file. Each is written under a
/// temporary name and renamed when complete, so a run killed at any moment (even while saving) leaves its last complete
/// checkpoint loadable; <see cref="Verify"/> finds one damaged later (flipped bytes, a truncated copy), and
/// <see cref="Load"/> refuses weights that are not finite. In a data-parallel run rank 0 writes and every rank reads
/// (the output folder is on a file system all ranks share).
/// </summary>
internal static class Checkpoint
{
    const string Prefix = "step-";

    /// <summary>The file that lists every other file of a checkpoint with its size and SHA-256; written last.</summary>
    public const string ManifestFile = "manifest.json";

    /// <summary>Folder name of the checkpoint after <paramref name="step"/> steps.</summary>
    public static string Name(long step) => Prefix + step.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>Checkpoint folders in <paramref name="dir"/> (intact or not: see <see cref="Verify"/>), oldest first.</summary>
    public static IReadOnlyList<string> List(string dir) =>
        !Directory.Exists(dir) ? Array.Empty<string>()
        : Directory.GetDirectories(dir, Prefix + "*").Where(d => Path.GetFileName(d).Length == Prefix.Length + 8).Order(StringComparer.Ordinal).ToList();

    /// <summary>
    /// Checks <paramref name="checkpoint"/> against its manifest: every listed file present with its size and SHA-256,
    /// nothing missing. Returns null when intact, else what is wrong (naming the file).
    /// </summary>
    public static string? Verify(string checkpoint)
    {
        string manifestPath = Path.Combine(checkpoint, ManifestFile);
        if (!File.Exists(manifestPath)) return $"no {ManifestFile} (incomplete, or written by an older version)";
        Dictionary<string, FileDigest>? files;
        try
        {
            files = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(manifestPath), Json)?.Files;
        }
        catch (JsonException e)
        {
            return $"{ManifestFile} is not valid JSON ({e.Message})";
        }
        if (files is null || !files.ContainsKey("state.json") || !files.ContainsKey("model.safetensors")) return $"{ManifestFile} does not list the checkpoint's files";
        foreach (var (name, expected) in files)
        {
            string path = Path.Combine(checkpoint, name);
            if (name.Contains('/') || name.Contains('\\') || !File.Exists(path)) return $"{name} is missing";
            var actual = FileDigest.Of(path);
            if (actual.Bytes != expected.Bytes) return $"{name} has {actual.Bytes} bytes, the manifest says {expected.Bytes}";
            if (actual.Sha256 != expected.Sha256) return $"{name} does not match its SHA-256 in {ManifestFile} (the file was changed or damaged)";
        }
        return null;
    }

    /// <summary>A file's size and SHA-256 (lowercase hex).</summary>
    sealed record FileDigest(long Bytes, string Sha256)
    {
        public static FileDigest Of(string path)
        {
            using var stream = File.OpenRead(path);
            return new FileDigest(stream.Length, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream)));
        }
    }

    /// <summary>The manifest: file name → digest.</summary>
    sealed record CheckpointManifest(Dictionary<string, FileDigest> Files);

    /// <summary>
    /// Writes a checkpoint atomically and removes all but the newest <paramref name="keep"/>; refuses (throws
    /// <see cref="InvalidDataException"/>) when a weight is not finite, so the checkpoints kept hold finite weights. A collective when
    /// <paramref name="mpi"/> has several ranks (every rank calls it): the ranks' RNG states are gathered and rank 0
    /// alone writes. Returns the checkpoint's folder on every rank. <paramref name="run"/>, the run's identity
    /// (<see cref="RunIdentity"/>), is kept in it as <c>run.json</c>, so a resume is checked even when the run folder's
    /// own copy is lost.
    /// </summary>
    public static string Save(string dir, PretrainingObjective model, AdamWeightDecay optimizer, TrainerState state, int keep, Mpi? mpi = null,
        IReadOnlyDictionary<string, string>? run = null)
    {
        string target = Path.Combine(dir, Name(state.Step));
        PretrainingExport.EnsureFinite(model, $"checkpoint {target} not written: the weights at step {state.Step}");
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
                if (run is not null) AtomicFile.WriteAllText(Path.Combine(temp, RunFolder.RunFile), RunIdentity.ToJson(run));
                var files = Directory.GetFiles(temp).Order(StringComparer.Ordinal).ToDictionary(f => Path.GetFileName(f), f => FileDigest.Of(f));
                AtomicFile.WriteAllText(Path.Combine(temp, ManifestFile), JsonSerializer.Serialize(new CheckpointManifest(files), Json));
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
    /// <see cref="TrainerState.Ranks"/>); returns its state. Throws <see cref="InvalidDataException"/> when the folder
    /// does not match its manifest (<see cref="Verify"/>) or a loaded weight is not finite.
    /// </summary>
    public static TrainerState Load(string checkpoint, PretrainingObjective model, AdamWeightDecay optimizer, Mpi? mpi = null)
    {
        if (Verify(checkpoint) is { } damage) throw new InvalidDataException($"checkpoint {checkpoint} is damaged: {damage}");
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
            PretrainingExport.EnsureFinite(model, Path.Combine(checkpoint, "model.safetensors"));
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
