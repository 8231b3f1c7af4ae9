using System.Globalization;
using System.Text;

namespace Electra.FineTuning.QuestionAnswering;

/// <summary>
/// The three Python 3 string operations SQuAD's official scripts normalise answers with, where .NET's nearest
/// equivalents differ: <c>str.lower()</c> (full case mapping: <c>İ</c> → <c>i̇</c>, and Greek final sigma by context),
/// <c>re</c>'s <c>\b</c> on a <c>str</c> pattern (a word character is alphabetic, numeric or <c>_</c>: superscripts and
/// fractions are, combining marks, ZWJ and connector punctuation are not; .NET's <c>\w</c> says the opposite for each)
/// and <c>str.split()</c> (Python's whitespace adds U+001C–U+001F to .NET's). Code points, not UTF-16 units.
/// </summary>
static class PythonStrings
{
    /// <summary>Python's <c>str.lower()</c>.</summary>
    public static string Lower(string s)
    {
        var lower = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length;)
        {
            var rune = RuneAt(s, i, out int width);
            if (rune.Value == 0x130) lower.Append("i\u0307"); // SpecialCasing.txt's one unconditional lower-case expansion
            else if (rune.Value == 0x3A3) lower.Append(IsFinalSigma(s, i, width) ? 'ς' : 'σ');
            else if (width == 1 && char.IsSurrogate(s[i])) lower.Append(s[i]); // a lone surrogate stays as it is
            else lower.Append(Rune.ToLowerInvariant(rune).ToString());
            i += width;
        }
        return lower.ToString();
    }

    /// <summary>
    /// Unicode's Final_Sigma condition as CPython applies it: skipping case-ignorable characters, a cased letter comes
    /// before the sigma and none comes after.
    /// </summary>
    static bool IsFinalSigma(string s, int index, int width)
    {
        int j = index;
        Rune before = default;
        bool found = false;
        while (j > 0)
        {
            int w = char.IsLowSurrogate(s[j - 1]) && j > 1 && char.IsHighSurrogate(s[j - 2]) ? 2 : 1;
            j -= w;
            before = RuneAt(s, j, out _);
            if (!IsCaseIgnorable(before))
            {
                found = true;
                break;
            }
        }
        if (!found || !IsCased(before)) return false;
        for (int k = index + width; k < s.Length;)
        {
            var after = RuneAt(s, k, out int w);
            if (!IsCaseIgnorable(after)) return !IsCased(after);
            k += w;
        }
        return true;
    }

    /// <summary>Unicode's Cased: upper, lower or title case letters, and the Other_Lowercase/Other_Uppercase symbols that are not case-ignorable.</summary>
    static bool IsCased(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        || r.Value is 0xAA or 0xBA or (>= 0x2160 and <= 0x217F) or (>= 0x24B6 and <= 0x24E9)
            or (>= 0x1F130 and <= 0x1F149) or (>= 0x1F150 and <= 0x1F169) or (>= 0x1F170 and <= 0x1F189);

    /// <summary>Unicode's Case_Ignorable: marks, format characters, modifier letters and symbols, and Word_Break MidLetter/MidNumLet/Single_Quote.</summary>
    static bool IsCaseIgnorable(Rune r) => Rune.GetUnicodeCategory(r) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol
        || r.Value is 0x27 or 0x2E or 0x3A or 0xB7 or 0x387 or 0x55F or 0x5F4 or 0x2018 or 0x2019 or 0x2024 or 0x2027
            or 0xFE13 or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A;

    /// <summary>
    /// Python's <c>re.sub(r'\b(w1|w2|…)\b', ' ', s)</c> for the given words: a maximal run of word characters that is
    /// one of <paramref name="words"/> becomes a space.
    /// </summary>
    public static string ReplaceWholeWords(string s, IReadOnlySet<string> words)
    {
        var result = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length;)
        {
            int end = i;
            while (end < s.Length)
            {
                var rune = RuneAt(s, end, out int width);
                if (!IsWordCharacter(rune)) break;
                end += width;
            }
            if (end > i)
            {
                var run = s[i..end];
                result.Append(words.Contains(run) ? " " : run);
                i = end;
            }
            else
            {
                RuneAt(s, i, out int width);
                result.Append(s, i, width);
                i += width;
            }
        }
        return result.ToString();
    }

    /// <summary>Python's <c>\w</c> for <c>str</c> patterns: <c>str.isalnum()</c> (a letter, or any numeric character) or <c>_</c>.</summary>
    static bool IsWordCharacter(Rune r) => Rune.IsLetter(r) || CharUnicodeInfo.GetNumericValue(r.ToString(), 0) != -1 || r.Value == '_';

    /// <summary>Python's <c>str.split()</c>: runs of whitespace separate words, empty words dropped.</summary>
    public static string[] Split(string s)
    {
        var words = new List<string>();
        int start = -1;
        for (int i = 0; i <= s.Length; i++)
        {
            bool space = i == s.Length || IsSpace(s[i]);
            if (space && start >= 0)
            {
                words.Add(s[start..i]);
                start = -1;
            }
            else if (!space && start < 0) start = i;
        }
        return words.ToArray();
    }

    /// <summary>Python's <c>str.isspace()</c> for one character: .NET's white space plus the information separators U+001C–U+001F (all in the BMP).</summary>
    static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\x1c' and <= '\x1f';

    /// <summary>The code point at <paramref name="i"/> (a lone surrogate reads as U+FFFD, one unit wide).</summary>
    static Rune RuneAt(string s, int i, out int width)
    {
        Rune.DecodeFromUtf16(s.AsSpan(i), out var rune, out width);
        return rune;
    }
}
