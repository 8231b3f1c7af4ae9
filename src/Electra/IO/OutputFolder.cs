using System.Text.Json;
using System.Text.Json.Nodes;

namespace Electra.IO;

/// <summary>
/// An output folder or file that cannot be written without losing something that is not the command's own: a folder
/// of foreign files, an input folder or file, a folder another command made, a run another process is training. The
/// CLI reports it as a usage error (exit 2); the message names the option.
/// </summary>
public sealed class OutputFolderException(string message) : IOException(message);

/// <summary>What an output folder holds, as far as replacing it is concerned.</summary>
/// <param name="Exists">The folder exists.</param>
/// <param name="Owner">The command that made it (<see cref="OutputFolder.MarkerFile"/>), or null when unmarked.</param>
/// <param name="OwnEntries">Entries the command wrote there (and their temporaries), which it may replace.</param>
/// <param name="OtherEntries">Everything else: files the command did not write, which are never touched.</param>
public sealed record OutputFolderContents(bool Exists, string? Owner, IReadOnlyList<string> OwnEntries, IReadOnlyList<string> OtherEntries)
{
    /// <summary>Nothing in it but, at most, the marker.</summary>
    public bool IsEmpty => OwnEntries.Count == 0 && OtherEntries.Count == 0;
}

/// <summary>
/// The one rule for every folder a command writes (<c>finetune</c>, <c>tokenizer train</c>, <c>make-tasks</c>,
/// <c>squad-cloze</c>, <c>corpus task</c>, <c>export-onnx</c>, <c>pretrain</c>, <c>data</c>, <c>vocab extend</c>,
/// <c>experiment</c>): a folder is claimed by a marker
/// (<see cref="MarkerFile"/>: the command, and the entries it wrote); a folder the same command made before may be
/// written again, its own entries only; a folder holding files nobody recorded, a folder another command made, and any
/// input folder (the model, the task) are refused before any work (<see cref="Check"/>). Entries are written under a
/// temporary name inside the folder and renamed into place (<see cref="Commit"/>), so a kill leaves the previous
/// version; files a user put beside them stay.
/// </summary>
public static class OutputFolder
{
    /// <summary>Written into every folder a command claims: <c>{"created_by": "finetune", "entries": [...]}</c>.</summary>
    public const string MarkerFile = ".electra-run.json";

    /// <summary>The bookkeeping files of a folder (marker, run lock and its holder), never counted as content.</summary>
    static bool IsBookkeeping(string name) => name.StartsWith(".electra-run.", StringComparison.Ordinal);

    /// <summary>
    /// What <paramref name="dir"/> holds. Own entries are those its marker records plus <paramref name="entries"/> (the
    /// names a command always writes, e.g. a run's <c>checkpoints</c>), with their temporary siblings.
    /// </summary>
    /// <exception cref="OutputFolderException"><paramref name="dir"/> is a file.</exception>
    public static OutputFolderContents Inspect(string dir, IReadOnlyCollection<string>? entries = null)
    {
        if (File.Exists(dir)) throw new OutputFolderException($"{dir} is a file, not a folder");
        if (!Directory.Exists(dir)) return new OutputFolderContents(false, null, [], []);
        var (owner, recorded) = ReadMarker(dir);
        var own = new HashSet<string>(recorded.Concat(entries ?? []), StringComparer.Ordinal);
        var names = Directory.EnumerateFileSystemEntries(dir).Select(Path.GetFileName).OfType<string>()
            .Where(n => !IsBookkeeping(n)).Order(StringComparer.Ordinal).ToList();
        bool IsOwn(string name) => own.Any(e => name == e || name.StartsWith(e + ".tmp", StringComparison.Ordinal) || name.StartsWith($".{e}.tmp", StringComparison.Ordinal))
                                   || (owner is not null && AtomicFile.IsTemporary(name));
        var mine = names.Where(IsOwn).ToList();
        return new OutputFolderContents(true, owner, mine, names.Except(mine).ToList());
    }

    /// <summary>
    /// Refuses, before any work, an output folder that <paramref name="owner"/> may not write: a file; one of
    /// <paramref name="inputs"/> (a model or task folder: the folder itself or one holding it); a folder with entries
    /// it did not write (unmarked and not empty); a folder another command made. Messages name
    /// <paramref name="option"/> and the input's option.
    /// </summary>
    /// <param name="dir">The output folder.</param>
    /// <param name="owner">The command writing it (<c>finetune</c>, <c>tokenizer train</c>, …).</param>
    /// <param name="option">The output option's name, for messages (<c>--out</c>).</param>
    /// <param name="inputs">Folders and files the command reads, with their option names (<c>--model</c>, <c>--task</c>).</param>
    /// <exception cref="OutputFolderException">The folder may not be written.</exception>
    public static OutputFolderContents Check(string dir, string owner, string option, params (string? Path, string Option)[] inputs)
    {
        CheckInputs(dir, option, inputs);
        OutputFolderContents folder;
        try
        {
            folder = Inspect(dir);
        }
        catch (OutputFolderException)
        {
            throw new OutputFolderException($"{option} {dir} is a file; give a folder");
        }
        if (folder.IsEmpty) return folder;
        if (folder.Owner is null)
            throw new OutputFolderException($"{option} {dir} holds files electra did not create ({Listing(folder.OtherEntries)}); choose a new or empty folder");
        if (folder.Owner != owner)
            throw new OutputFolderException($"{option} {dir} was written by `electra {folder.Owner}`, not `electra {owner}`; choose another folder");
        return folder;
    }

    /// <summary>Refuses an output folder that is one of <paramref name="inputs"/> or holds one (null inputs are skipped).</summary>
    /// <exception cref="OutputFolderException">It is, or holds, an input.</exception>
    public static void CheckInputs(string dir, string option, params (string? Path, string Option)[] inputs)
    {
        string full = Full(dir);
        foreach (var (path, inputOption) in inputs)
        {
            if (path is null) continue;
            string input = Full(path);
            if (input == full) throw new OutputFolderException($"{option} {dir} is the {inputOption} folder; write the output to a folder of its own");
            if (input.StartsWith(full + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new OutputFolderException($"{option} {dir} holds the {inputOption} {path}; write the output to a folder of its own");
        }
    }

    /// <summary>Refuses an output file that is one of <paramref name="inputs"/> (or a model's own file in an input folder).</summary>
    /// <exception cref="OutputFolderException">The file may not be written.</exception>
    public static void CheckFile(string path, string option, params (string? Path, string Option)[] inputs)
    {
        string full = Full(path);
        foreach (var (input, inputOption) in inputs)
        {
            if (input is null) continue;
            if (Full(input) == full) throw new OutputFolderException($"{option} {path} is the {inputOption} file; write the output to another file");
            if (Directory.Exists(input) && Full(Path.GetDirectoryName(full)!) == Full(input) && File.Exists(full) && IsModelFile(input, Path.GetFileName(full)))
                throw new OutputFolderException($"{option} {path} is a file of the {inputOption} folder; write the output to another file");
        }
    }

    /// <summary>A file the folder's model consists of: one its marker records, or one of the HF/ONNX names.</summary>
    static bool IsModelFile(string dir, string name) =>
        ReadMarker(dir).Entries.Contains(name) || ModelFileNames.Contains(name, StringComparer.Ordinal);

    static readonly string[] ModelFileNames =
    [
        "config.json", "model.safetensors", "pytorch_model.bin", "model.onnx", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json",
    ];

    /// <summary>
    /// Writes <paramref name="owner"/>'s output into <paramref name="dir"/>: <paramref name="fill"/> writes every entry into
    /// a staging folder inside <paramref name="dir"/>, then each is renamed into place (an entry of the same name from the
    /// command's earlier output is replaced), entries of the earlier output not written again are removed, and the marker
    /// records the new entries. Nothing else in the folder is touched. Call <see cref="Check"/> before any work.
    /// </summary>
    /// <returns>The entries written.</returns>
    public static IReadOnlyList<string> Commit(string dir, string owner, Action<string> fill)
    {
        Directory.CreateDirectory(dir);
        var before = ReadMarker(dir).Entries;
        string staging = AtomicFile.TempName(Path.Combine(Path.GetFullPath(dir), "output"));
        Directory.CreateDirectory(staging);
        try
        {
            fill(staging);
            var written = Directory.EnumerateFileSystemEntries(staging).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
            // Recorded first: a kill between here and the last rename leaves every entry listed as the command's own.
            Claim(dir, owner, before.Union(written).ToList(), overwrite: true);
            foreach (string name in written)
            {
                string source = Path.Combine(staging, name), target = Path.Combine(dir, name);
                if (Directory.Exists(source))
                {
                    Remove(target);
                    Directory.Move(source, target);
                }
                else
                {
                    if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
                    File.Move(source, target, overwrite: true);
                }
            }
            foreach (string stale in before.Except(written)) Remove(Path.Combine(dir, stale));
            Claim(dir, owner, written, overwrite: true);
            return written;
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>
    /// Claims <paramref name="dir"/> (creating it) for <paramref name="owner"/>, recording <paramref name="entries"/> as
    /// its own; an existing marker is kept unless <paramref name="overwrite"/>.
    /// </summary>
    public static void Claim(string dir, string owner, IReadOnlyList<string>? entries = null, bool overwrite = false)
    {
        if (!overwrite && ReadMarker(dir).Owner is not null) return;
        var marker = new JsonObject { ["created_by"] = owner };
        if (entries is { Count: > 0 }) marker["entries"] = new JsonArray(entries.Select(e => (JsonNode)e).ToArray());
        AtomicFile.WriteAllText(Path.Combine(dir, MarkerFile), marker.ToJsonString());
    }

    /// <summary>Removes <paramref name="dir"/>'s own entries (<see cref="Inspect"/>); the marker and other files stay.</summary>
    /// <returns>The names removed.</returns>
    public static IReadOnlyList<string> RemoveOwn(string dir, IReadOnlyCollection<string>? entries = null)
    {
        var removed = Inspect(dir, entries).OwnEntries;
        foreach (string name in removed) Remove(Path.Combine(dir, name));
        return removed;
    }

    static void Remove(string path)
    {
        if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        else if (File.Exists(path)) File.Delete(path);
    }

    /// <summary>The command that made <paramref name="dir"/> (null: unmarked) and the entries it recorded.</summary>
    static (string? Owner, IReadOnlyList<string> Entries) ReadMarker(string dir)
    {
        string marker = Path.Combine(dir, MarkerFile);
        if (!File.Exists(marker)) return (null, []);
        try
        {
            var json = JsonNode.Parse(File.ReadAllText(marker));
            var entries = json?["entries"] is JsonArray list ? list.Select(e => e?.GetValue<string>()).OfType<string>().Where(IsPlainName).ToList() : [];
            return (json?["created_by"]?.GetValue<string>() ?? "electra", entries);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return ("electra", []); // a damaged marker still marks the folder as electra's, and claims no entries
        }
    }

    /// <summary>A name in the folder itself (a marker cannot make a command remove something outside it).</summary>
    static bool IsPlainName(string name) =>
        name.Length > 0 && name != "." && name != ".." && name.IndexOfAny(['/', '\\']) < 0 && !IsBookkeeping(name);

    static string Listing(IReadOnlyList<string> names) => string.Join(", ", names.Take(5)) + (names.Count > 5 ? $", … ({names.Count} entries)" : "");

    static string Full(string path) => Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
}
