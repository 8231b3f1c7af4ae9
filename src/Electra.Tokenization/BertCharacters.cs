using System.Globalization;
using System.Text;

namespace Electra.Tokenization;

/// <summary>
/// The character classes of HF's <c>tokenization_bert.py</c> (<c>_is_whitespace</c>, <c>_is_control</c>,
/// <c>_is_punctuation</c>, <c>_is_chinese_char</c>) on code points, plus Python's <c>str.lower</c>.
/// Unicode categories come from .NET's tables, which may be a Unicode version apart from the Python that ran HF.
/// </summary>
static class BertCharacters
{
    /// <summary>Class of an ASCII character, in the order the fast path tests them.</summary>
    public enum Ascii : byte
    {
        /// <summary>Removed by <c>_clean_text</c>: NUL and the other C0 controls but tab, LF, CR; DEL.</summary>
        Dropped,
        /// <summary>Space, tab, LF, CR.</summary>
        Whitespace,
        /// <summary>ASCII 33-47, 58-64, 91-96, 123-126.</summary>
        Punctuation,
        /// <summary>Letters and digits.</summary>
        Word,
    }

    /// <summary>Class of each ASCII character.</summary>
    public static readonly Ascii[] AsciiClass = BuildAsciiClasses();

    static Ascii[] BuildAsciiClasses()
    {
        var table = new Ascii[128];
        for (int c = 0; c < 128; c++)
            table[c] = c is ' ' or '\t' or '\n' or '\r' ? Ascii.Whitespace
                : c < 32 || c == 127 ? Ascii.Dropped
                : IsPunctuation(c) ? Ascii.Punctuation
                : Ascii.Word;
        return table;
    }

    /// <summary>
    /// Characters <c>_clean_text</c> deletes: NUL, U+FFFD and categories Cc/Cf except tab, LF, CR. Lone surrogates
    /// (which no UTF-8 text can hold) are deleted too, as U+FFFD — what a replacing UTF-8 decoder makes of them — would be.
    /// </summary>
    public static bool IsDropped(int cp)
    {
        if (cp is '\t' or '\n' or '\r') return false;
        if (cp is 0 or 0xFFFD || (cp >= 0xD800 && cp <= 0xDFFF)) return true;
        var cat = CharUnicodeInfo.GetUnicodeCategory(cp);
        return cat is UnicodeCategory.Control or UnicodeCategory.Format;
    }

    /// <summary>
    /// Whitespace as the whole pipeline sees it: <c>_is_whitespace</c> (space, tab, LF, CR, category Zs) plus
    /// U+2028/U+2029, which survive <c>_clean_text</c> and on which Python's <c>str.split()</c> still splits.
    /// </summary>
    public static bool IsWhitespace(int cp) =>
        cp is ' ' or '\t' or '\n' or '\r' or 0x2028 or 0x2029
        || (cp > 127 && CharUnicodeInfo.GetUnicodeCategory(cp) == UnicodeCategory.SpaceSeparator);

    /// <summary><c>_is_punctuation</c>: the ASCII symbol ranges (so <c>$ + &lt; = &gt; ^ ` | ~</c> count) plus Unicode P*.</summary>
    public static bool IsPunctuation(int cp)
    {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
        if (cp < 128) return false;
        return CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    /// <summary><c>_is_chinese_char</c>: the CJK Unified Ideographs blocks and extensions A-E plus the compatibility ideographs.</summary>
    public static bool IsChineseChar(int cp) =>
        (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
        || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
        || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);

    /// <summary>
    /// Whether a code point belongs to the unit of the code point before it: combining marks (Mn, Mc, Me) and Hangul
    /// medial/final jamo. Normalization never reaches across such units, so each is normalized on its own.
    /// </summary>
    public static bool ContinuesUnit(int cp) =>
        cp >= 0x300 && ((cp >= 0x1160 && cp <= 0x11FF) || (cp >= 0xD7B0 && cp <= 0xD7FF)
            || CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark
                or UnicodeCategory.EnclosingMark);

    /// <summary>
    /// Python's <c>str.lower()</c> of one code point, appended to <paramref name="output"/>: the simple lower-case
    /// mapping, except U+0130 (İ) whose full mapping is "i" + U+0307. HF lower-cases the text one character at a time
    /// before tokenizing (<c>PreTrainedTokenizer.tokenize</c>), so the context-dependent final sigma never applies.
    /// </summary>
    public static void AppendLower(Rune r, StringBuilder output)
    {
        if (r.Value == 0x130)
        {
            output.Append("i\u0307");
            return;
        }
        AppendRune(Rune.ToLowerInvariant(r), output);
    }

    /// <summary>Appends one code point as UTF-16 without allocating.</summary>
    public static void AppendRune(Rune r, StringBuilder output)
    {
        if (r.IsBmp) output.Append((char)r.Value);
        else output.Append((char)(0xD7C0 + (r.Value >> 10))).Append((char)(0xDC00 + (r.Value & 0x3FF)));
    }

    /// <summary>Length in code points, as Python's <c>len</c> counts it (a surrogate pair is one).</summary>
    public static int CountCodePoints(ReadOnlySpan<char> text)
    {
        int n = text.Length;
        foreach (char c in text)
            if (char.IsLowSurrogate(c)) n--;
        return n;
    }
}
