using System.Text;
using System.Text.Unicode;

namespace Electra.IO;

/// <summary>
/// Reads a file as UTF-8 lines and names the file and line of a NUL byte or an invalid UTF-8 sequence.
/// Lines are split on raw bytes first because <see cref="StreamReader"/> either replaces bad bytes silently
/// or throws without saying where. Every text input of the library and the CLI is read through it (corpora, task files,
/// retrieval files, JSON inputs), and <see cref="Quote"/> makes input text safe to show in a message.
/// </summary>
public static class Utf8LineReader
{
    /// <summary>Lines of <paramref name="path"/> with their 1-based numbers, without the line break (LF or CRLF) or a leading BOM.</summary>
    public static IEnumerable<(int Number, string Text)> ReadLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        byte[] buffer = new byte[1 << 16];
        int start = 0, end = 0, number = 0;
        bool eof = false;
        while (true)
        {
            int newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
            if (newline < 0 && !eof)
            {
                // Keep the partial line at the front and grow the buffer when one line fills it.
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                if (end == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                int read = stream.Read(buffer, end, buffer.Length - end);
                if (read == 0) eof = true;
                end += read;
                continue;
            }
            if (newline < 0 && start == end) yield break;
            int lineEnd = newline < 0 ? end : newline;
            number++;
            yield return (number, Decode(path, number, buffer.AsSpan(start, lineEnd - start)));
            start = newline < 0 ? end : newline + 1;
        }
    }

    static string Decode(string path, int number, ReadOnlySpan<byte> line)
    {
        if (number == 1 && line.StartsWith("\uFEFF"u8)) line = line[3..];
        if (line.EndsWith("\r"u8)) line = line[..^1];
        int nul = line.IndexOf((byte)0);
        if (nul >= 0)
            throw new InvalidDataException($"{path}:{number}: NUL byte at byte {nul + 1} of the line; this looks like a binary file, not UTF-8 text");
        if (!Utf8.IsValid(line))
        {
            Span<char> scratch = new char[line.Length];
            Utf8.ToUtf16(line, scratch, out int validBytes, out _, replaceInvalidSequences: false);
            throw new InvalidDataException(
                $"{path}:{number}: invalid UTF-8 at byte {validBytes + 1} of the line (0x{line[validBytes]:X2}); the file must be UTF-8 text");
        }
        return Encoding.UTF8.GetString(line);
    }

    /// <summary>The whole of <paramref name="path"/> as text (a JSON input), checked line by line as <see cref="ReadLines"/> does.</summary>
    public static string ReadAllText(string path)
    {
        var text = new StringBuilder();
        foreach (var (_, line) in ReadLines(path)) text.Append(line).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// <paramref name="text"/> (read from a user's file) made safe to quote in a message: tabs as <c>&lt;TAB&gt;</c>,
    /// other control characters as <c>\uXXXX</c>, cut after <paramref name="max"/> characters, so an error never
    /// writes raw input to a terminal.
    /// </summary>
    public static string Quote(string text, int max = 80)
    {
        var sb = new StringBuilder();
        foreach (char c in text.Length > max ? text[..max] : text)
            sb.Append(c == '\t' ? "<TAB>" : char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString());
        return text.Length > max ? sb.Append('…').ToString() : sb.ToString();
    }
}
