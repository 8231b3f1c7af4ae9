namespace Electra.Interop;

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
    public static void WriteDirectory(string dir, Action<string> fill)
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

    static string TempName(string full) =>
        Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
}
