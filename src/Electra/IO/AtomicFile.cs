namespace Electra.IO;

/// <summary>
/// Writes that never leave a half-written file or folder behind: everything goes to a temporary name in
/// the same directory and is renamed into place only when complete (a crash, a full disk or kill -9 leaves
/// the previous version intact).
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>, then renames it into place.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = TempName(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes UTF-8 text atomically.</summary>
    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, leaveOpen: true); w.Write(text); });

    /// <summary>
    /// Builds a whole folder under a temporary name, then swaps it in for <paramref name="dir"/>
    /// (the old folder, if any, is removed only after the new one is in place).
    /// </summary>
    internal static void WriteDirectory(string dir, Action<string> fill)
    {
        string full = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = TempName(full);
        Directory.CreateDirectory(temp);
        try
        {
            fill(temp);
            string? old = null;
            if (Directory.Exists(full))
            {
                old = TempName(full) + ".old";
                Directory.Move(full, old);
            }
            Directory.Move(temp, full);
            if (old is not null) Directory.Delete(old, recursive: true);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>A temporary sibling of <paramref name="full"/>: <c>.NAME.tmp-PID-GUID</c> (what <see cref="RemoveStale"/> recognises).</summary>
    internal static string TempName(string full) =>
        Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");

    static readonly System.Text.RegularExpressions.Regex TempPattern = new(@"^\..+\.tmp-(?<pid>\d+)-[0-9a-f]{32}(\.old)?$",
        System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>Whether <paramref name="name"/> is one of these writes' temporary names.</summary>
    internal static bool IsTemporary(string name) => TempPattern.IsMatch(name);

    /// <summary>
    /// Removes the temporary files and folders these writes leave in <paramref name="dir"/> when a process is killed
    /// mid-write (<c>.NAME.tmp-PID-GUID</c>), unless the process that made them is still running; returns what it removed.
    /// Nothing else is touched.
    /// </summary>
    internal static IReadOnlyList<string> RemoveStale(string dir)
    {
        var removed = new List<string>();
        if (!Directory.Exists(dir)) return removed;
        foreach (string entry in Directory.EnumerateFileSystemEntries(dir))
        {
            var match = TempPattern.Match(Path.GetFileName(entry));
            if (!match.Success || IsRunningElsewhere(int.Parse(match.Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture))) continue;
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
            removed.Add(entry);
        }
        return removed;
    }

    /// <summary>Whether another live process has this id (this process's own leftovers at start are stale).</summary>
    static bool IsRunningElsewhere(int pid)
    {
        if (pid == Environment.ProcessId) return false;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
    }
}
