using System.Globalization;

namespace Electra.IO;

/// <summary>
/// Keeps a second process from training into a folder a live run holds: an operating-system lock on
/// <c>.electra-run.lock</c> (an exclusive open, <c>flock</c> on Linux), held until the run ends. The kernel releases it
/// when the holder dies, <c>kill -9</c> included, so nothing is left stuck; the holder's process id is written beside
/// it (<c>.electra-run.pid</c>) so the refusal can name it. Re-entrant within a process: the CLI, the pipeline and the
/// trainer of one run each take it. In a data-parallel job rank 0 alone takes it (the other ranks write nothing).
/// </summary>
public sealed class RunLock : IDisposable
{
    /// <summary>The locked file.</summary>
    internal const string LockFile = ".electra-run.lock";

    /// <summary>The holder's process id, written after the lock is taken.</summary>
    internal const string HolderFile = ".electra-run.pid";

    static readonly Dictionary<string, (FileStream Stream, int Count)> Held = new(StringComparer.Ordinal);

    readonly string key;
    bool disposed;

    RunLock(string key) => this.key = key;

    /// <summary>Takes the lock of <paramref name="dir"/> (creating the folder), or throws naming the process that holds it.</summary>
    /// <param name="dir">The run folder.</param>
    /// <param name="option">The option that named the folder, for the message (<c>--out</c>).</param>
    /// <exception cref="OutputFolderException">Another live process holds the lock.</exception>
    public static RunLock Acquire(string dir, string option = "--out")
    {
        string key = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        lock (Held)
        {
            if (Held.TryGetValue(key, out var held))
            {
                Held[key] = (held.Stream, held.Count + 1);
                return new RunLock(key);
            }
            Directory.CreateDirectory(key);
            FileStream stream;
            try
            {
                stream = new FileStream(Path.Combine(key, LockFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (!Directory.Exists(Path.Combine(key, LockFile)))
            {
                throw new OutputFolderException($"{option} {dir} is in use by another electra process ({Holder(key)}); " +
                                                "wait for it to finish, stop it, or choose another folder");
            }
            AtomicFile.WriteAllText(Path.Combine(key, HolderFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n");
            Held[key] = (stream, 1);
            return new RunLock(key);
        }
    }

    static string Holder(string dir)
    {
        try
        {
            string pid = File.ReadAllText(Path.Combine(dir, HolderFile)).Trim();
            return int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? $"pid {pid}" : "pid unknown";
        }
        catch (IOException)
        {
            return "pid unknown";
        }
    }

    /// <summary>Releases this hold; the last one of the process unlocks the folder.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        lock (Held)
        {
            var (stream, count) = Held[key];
            if (count > 1)
            {
                Held[key] = (stream, count - 1);
                return;
            }
            Held.Remove(key);
            try
            {
                File.Delete(Path.Combine(key, HolderFile));
            }
            catch (IOException)
            {
                // the folder went away with the run; nothing to unlock but the handle
            }
            stream.Dispose();
        }
    }
}
