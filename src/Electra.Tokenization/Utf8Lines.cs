using System.Text;

namespace Electra.Tokenization;

/// <summary>
/// Reads a UTF-8 text file line by line, strictly: invalid UTF-8 is an <see cref="InvalidDataException"/> naming the
/// file, the line and the byte, as Python's <c>open(path, encoding="utf-8")</c> would fail rather than guess. Lines
/// end at LF, CR LF or a lone CR (Python's universal newlines); a leading byte-order mark is skipped.
/// </summary>
public static class Utf8Lines
{
    static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The lines of <paramref name="path"/>, decoded as they are read (memory stays one buffer, whatever the file size).</summary>
    /// <param name="path">A UTF-8 text file.</param>
    /// <param name="bytesRead">Called with the bytes consumed so far, after each buffer and at the end.</param>
    /// <exception cref="InvalidDataException">Invalid UTF-8; the message names the file and line.</exception>
    public static IEnumerable<string> Read(string path, Action<long>? bytesRead = null)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 16];
        int filled = 0;
        long lineNumber = 0;
        long consumed = 0;
        bool first = true;
        bool eof = false;
        while (true)
        {
            if (!eof && filled < buffer.Length)
            {
                int n = stream.Read(buffer, filled, buffer.Length - filled);
                if (n == 0) eof = true;
                filled += n;
            }
            int begin = 0;
            if (first && filled >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF) begin = 3;
            if (first && (filled >= 3 || eof)) first = false;
            while (true)
            {
                int nl = buffer.AsSpan(begin, filled - begin).IndexOfAny((byte)'\n', (byte)'\r');
                if (nl < 0) break;
                nl += begin;
                // A CR at the very end of the buffer may be the first half of CR LF: wait for more bytes.
                if (buffer[nl] == '\r' && nl + 1 == filled && !eof) break;
                lineNumber++;
                yield return Decode(path, lineNumber, buffer.AsSpan(begin, nl - begin));
                int next = nl + 1;
                if (buffer[nl] == '\r' && next < filled && buffer[next] == '\n') next++;
                consumed += next - begin;
                begin = next;
            }
            if (eof)
            {
                if (begin < filled)
                {
                    lineNumber++;
                    yield return Decode(path, lineNumber, buffer.AsSpan(begin, filled - begin));
                    consumed += filled - begin;
                }
                bytesRead?.Invoke(consumed);
                yield break;
            }
            // Keep the unfinished line; a line longer than the buffer grows it.
            Buffer.BlockCopy(buffer, begin, buffer, 0, filled - begin);
            filled -= begin;
            if (filled == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
            bytesRead?.Invoke(consumed);
        }
    }

    static string Decode(string path, long line, ReadOnlySpan<byte> bytes)
    {
        int nul = bytes.IndexOf((byte)0);
        if (nul >= 0) throw new InvalidDataException($"{path}:{line}: NUL byte at byte {nul + 1} of the line; this looks like a binary file, not UTF-8 text");
        try
        {
            return Strict.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{path}:{line}: invalid UTF-8 at byte {e.Index} of the line; the file must be UTF-8 text");
        }
    }
}
