using System.Text;

namespace Electra.Data;

/// <summary>
/// A small rule-based sentence splitter for running text (jsonl documents, over-long lines, the default corpus).
/// A sentence ends at <c>.</c>, <c>!</c> or <c>?</c> (runs like <c>?!</c> or <c>...</c> included, then any closing
/// quotes or brackets) followed by a space and an upper-case letter, a digit or an opening quote/bracket — unless
/// the terminator is a single period after a known abbreviation (<c>Mr.</c>, <c>Dr.</c>, <c>U.S.</c>, <c>etc.</c>, …)
/// or a single-letter initial (<c>J. Smith</c>).
/// </summary>
/// <remarks>
/// Limits, by design of a rule list: abbreviations outside the list end a sentence when a capital follows
/// (<c>approx. Boston</c>); a sentence that starts in lower case is joined to the previous one; an abbreviation that
/// really ends a sentence (<c>… in the U.S. The</c>) does not split; no language other than English is considered.
/// Packing only needs sentence boundaries to be mostly right: a wrong boundary only moves where segment B may start.
/// </remarks>
internal static class SentenceSplitter
{
    static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "mr", "mrs", "ms", "messrs", "dr", "st", "jr", "sr", "prof", "rev", "hon", "gen", "gov", "sen", "rep",
        "col", "capt", "lt", "maj", "sgt", "adm", "mt", "ft", "vs", "etc", "viz", "cf", "co", "corp", "inc", "ltd",
        "no", "vol", "pp", "ch", "sec", "art", "fig", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
        "oct", "nov", "dec", "u.s", "u.s.a", "u.k", "d.c", "i.e", "e.g", "a.m", "p.m", "esq",
    };

    static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> AbbreviationLookup =
        Abbreviations.GetAlternateLookup<ReadOnlySpan<char>>();

    const string ClosingMarks = "\"'”’)]";
    const string OpeningMarks = "\"'“‘([";

    /// <summary>Splits <paramref name="text"/> into sentences; whitespace runs (line breaks included) become single spaces.</summary>
    public static List<string> Split(string text)
    {
        string s = NormalizeWhitespace(text);
        var sentences = new List<string>();
        int start = 0;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] is not ('.' or '!' or '?')) continue;
            int end = i;
            while (end + 1 < s.Length && s[end + 1] is '.' or '!' or '?') end++;
            bool singlePeriod = end == i && s[i] == '.';
            while (end + 1 < s.Length && ClosingMarks.Contains(s[end + 1])) end++;
            // end is the last character of the candidate sentence; a space and a sentence start must follow.
            if (end + 2 >= s.Length || s[end + 1] != ' ' || !StartsSentence(s[end + 2])) { i = end; continue; }
            if (singlePeriod && IsAbbreviation(s, start, i)) { i = end; continue; }
            sentences.Add(s[start..(end + 1)]);
            start = end + 2;
            i = end + 1;
        }
        if (start < s.Length) sentences.Add(s[start..]);
        return sentences;
    }

    static bool StartsSentence(char c) => char.IsUpper(c) || char.IsDigit(c) || OpeningMarks.Contains(c);

    /// <summary>Whether the word ending at the period <paramref name="period"/> is an abbreviation or an initial.</summary>
    static bool IsAbbreviation(string s, int sentenceStart, int period)
    {
        if (period == sentenceStart) return false;
        int space = s.LastIndexOf(' ', period - 1, period - sentenceStart);
        int wordStart = space < 0 ? sentenceStart : space + 1;
        while (wordStart < period && OpeningMarks.Contains(s[wordStart])) wordStart++;
        var word = s.AsSpan(wordStart, period - wordStart);
        return (word.Length == 1 && char.IsLetter(word[0])) || AbbreviationLookup.Contains(word);
    }

    static string NormalizeWhitespace(string text)
    {
        var sb = new StringBuilder(text.Length);
        bool space = false;
        foreach (char c in text)
        {
            if (char.IsWhiteSpace(c)) { space = sb.Length > 0; continue; }
            if (space) sb.Append(' ');
            space = false;
            sb.Append(c);
        }
        return sb.ToString();
    }
}
