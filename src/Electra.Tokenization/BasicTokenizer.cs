using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace Electra.Tokenization;

/// <summary>
/// HF's <c>BasicTokenizer.tokenize</c> (plus the special-token split of <c>PreTrainedTokenizer.tokenize</c>) with
/// offsets into the original text: <c>_clean_text</c>, CJK split, NFC, whitespace split, lower-casing, accent
/// stripping, punctuation split.
/// </summary>
/// <remarks>
/// Written by hand rather than as a <c>Microsoft.ML.Tokenizers</c> normalizer + pre-tokenizer: ML.Tokenizers
/// normalizes the whole string first and reports offsets into the normalized text, whereas HF parity with offsets into
/// the original string needs the normalization done per word with a character map. Whitespace tokens made only of
/// printable ASCII (nearly all of an English corpus) take a fast path that lower-cases into a stack buffer; anything
/// else is cut into units (a code point and its combining marks), and each unit is normalized on its own — exact,
/// because Unicode normalization never reaches across such units — with single-character units cached.
/// </remarks>
[SkipLocalsInit] // the lower-casing buffer is written before it is read
sealed class BasicTokenizer
{
    readonly bool lowerCase;
    readonly bool stripAccents;
    readonly bool splitChinese;
    readonly string[] specialTokens;
    readonly SearchValues<char> specialFirstChars;
    // Normalized form of each BMP character as a one-character unit; filled lazily, benign races (reference writes are atomic).
    readonly string?[] bmpUnitCache = new string?[65536];

    [ThreadStatic] static Scratch? scratch;

    /// <summary>Creates the pipeline for the given options; <paramref name="specialTokens"/> are split out of texts verbatim.</summary>
    public BasicTokenizer(TokenizerOptions options, IReadOnlyList<string> specialTokens)
    {
        lowerCase = options.DoLowerCase;
        stripAccents = options.EffectiveStripAccents;
        splitChinese = options.TokenizeChineseChars;
        this.specialTokens = specialTokens.Where(t => t.Length > 0).ToArray();
        specialFirstChars = SearchValues.Create(this.specialTokens.Select(t => t[0]).Distinct().ToArray());
    }

    /// <summary>Index in the list given to the constructor of each special token kept (empty strings are dropped).</summary>
    public IReadOnlyList<string> SpecialTokens => specialTokens;

    /// <summary>Cuts <paramref name="text"/> into words (and special tokens when <paramref name="splitSpecialTokens"/>).</summary>
    public void Run<TSink>(ReadOnlySpan<char> text, ref TSink sink, bool splitSpecialTokens = true) where TSink : struct, IPreTokenSink
    {
        int pos = 0;
        while (pos < text.Length)
        {
            int index = -1;
            int found = splitSpecialTokens ? FindSpecial(text, pos, out index) : -1;
            if (found < 0)
            {
                RunChunk(text, pos, text.Length, ref sink);
                return;
            }
            RunChunk(text, pos, found, ref sink);
            sink.Special(index, found, found + specialTokens[index].Length);
            pos = found + specialTokens[index].Length;
        }
    }

    /// <summary>First position at or after <paramref name="from"/> where a special token starts (the longest one wins, as in HF's trie).</summary>
    int FindSpecial(ReadOnlySpan<char> text, int from, out int index)
    {
        index = -1;
        if (specialTokens.Length == 0) return -1;
        while (from < text.Length)
        {
            int at = text[from..].IndexOfAny(specialFirstChars);
            if (at < 0) return -1;
            at += from;
            int best = -1;
            for (int k = 0; k < specialTokens.Length; k++)
                if (text[at..].StartsWith(specialTokens[k], StringComparison.Ordinal) && (best < 0 || specialTokens[k].Length > specialTokens[best].Length))
                    best = k;
            if (best >= 0)
            {
                index = best;
                return at;
            }
            from = at + 1;
        }
        return -1;
    }

    void RunChunk<TSink>(ReadOnlySpan<char> text, int i, int end, ref TSink sink) where TSink : struct, IPreTokenSink
    {
        Span<char> lower = stackalloc char[WordPieceTokenizer.MaxInputCharsPerWord];
        while (i < end)
        {
            char c = text[i];
            if (c < 128)
            {
                var cls = BertCharacters.AsciiClass[c];
                if (cls <= BertCharacters.Ascii.Whitespace)
                {
                    i++;
                    continue;
                }
                int j = i + 1;
                while (j < end && text[j] < 128 && BertCharacters.AsciiClass[text[j]] >= BertCharacters.Ascii.Punctuation) j++;
                if (j == end || IsTokenBoundary(text, j, end))
                {
                    AsciiToken(text, i, j, lower, ref sink);
                    i = j;
                    continue;
                }
            }
            else
            {
                if (Rune.DecodeFromUtf16(text[i..end], out Rune r, out int len) != OperationStatus.Done)
                {
                    i++; // lone surrogate: dropped like U+FFFD
                    continue;
                }
                if (BertCharacters.IsWhitespace(r.Value) || BertCharacters.IsDropped(r.Value))
                {
                    i += len;
                    continue;
                }
                if (splitChinese && BertCharacters.IsChineseChar(r.Value))
                {
                    UnicodeToken(text, i, i + len, ref sink);
                    i += len;
                    continue;
                }
            }
            int tokenEnd = i;
            while (tokenEnd < end && !IsTokenBoundary(text, tokenEnd, end))
                tokenEnd += Rune.DecodeFromUtf16(text[tokenEnd..end], out _, out int len) == OperationStatus.Done ? len : 1;
            UnicodeToken(text, i, tokenEnd, ref sink);
            i = tokenEnd;
        }
    }

    /// <summary>Whether a whitespace token ends before position <paramref name="j"/>: whitespace, or a CJK character when those are split.</summary>
    bool IsTokenBoundary(ReadOnlySpan<char> text, int j, int end)
    {
        char c = text[j];
        if (c < 128) return BertCharacters.AsciiClass[c] == BertCharacters.Ascii.Whitespace;
        if (Rune.DecodeFromUtf16(text[j..end], out Rune r, out _) != OperationStatus.Done) return false;
        return BertCharacters.IsWhitespace(r.Value) || (splitChinese && BertCharacters.IsChineseChar(r.Value));
    }

    /// <summary>A whitespace token of printable ASCII only: split on punctuation, lower-case in place.</summary>
    void AsciiToken<TSink>(ReadOnlySpan<char> text, int start, int end, Span<char> lower, ref TSink sink) where TSink : struct, IPreTokenSink
    {
        int wordStart = start;
        for (int k = start; k < end; k++)
        {
            if (BertCharacters.AsciiClass[text[k]] != BertCharacters.Ascii.Punctuation) continue;
            if (k > wordStart) AsciiWord(text[wordStart..k], wordStart, lower, ref sink);
            sink.Word(text.Slice(k, 1), k, default, default);
            wordStart = k + 1;
        }
        if (end > wordStart) AsciiWord(text[wordStart..end], wordStart, lower, ref sink);
    }

    void AsciiWord<TSink>(ReadOnlySpan<char> word, int start, Span<char> buffer, ref TSink sink) where TSink : struct, IPreTokenSink
    {
        // Words over the limit become [UNK] whatever their case, so they need no copy.
        if (!lowerCase || word.Length > buffer.Length)
        {
            sink.Word(word, start, default, default);
            return;
        }
        for (int k = 0; k < word.Length; k++)
        {
            char c = word[k];
            buffer[k] = c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c;
        }
        sink.Word(buffer[..word.Length], start, default, default);
    }

    /// <summary>Any other whitespace token (or one CJK character): normalized unit by unit with a character map.</summary>
    void UnicodeToken<TSink>(ReadOnlySpan<char> text, int start, int end, ref TSink sink) where TSink : struct, IPreTokenSink
    {
        var s = scratch ??= new Scratch();
        s.Count = 0;
        int i = start;
        while (i < end)
        {
            int unitStart = i;
            if (!TryReadKept(text, ref i, end, out Rune first)) continue;
            s.Unit.Clear();
            BertCharacters.AppendRune(first, s.Unit);
            int unitEnd = i;
            int k = i;
            while (k < end)
            {
                int at = k;
                bool kept = TryReadKept(text, ref k, end, out Rune next);
                if (!kept) continue;
                if (!BertCharacters.ContinuesUnit(next.Value))
                {
                    k = at;
                    break;
                }
                BertCharacters.AppendRune(next, s.Unit);
                unitEnd = k;
            }
            i = unitEnd;
            string normalized = s.Unit.Length == 1
                ? bmpUnitCache[s.Unit[0]] ??= Normalize(s.Unit)
                : Normalize(s.Unit);
            foreach (char c in normalized) s.Add(c, unitStart, unitEnd);
        }

        int wordStart = 0;
        for (int p = 0; p < s.Count;)
        {
            int len = char.IsHighSurrogate(s.Chars[p]) && p + 1 < s.Count ? 2 : 1;
            int cp = len == 2 ? char.ConvertToUtf32(s.Chars[p], s.Chars[p + 1]) : s.Chars[p];
            if (BertCharacters.IsPunctuation(cp))
            {
                if (p > wordStart) s.Emit(wordStart, p, ref sink);
                s.Emit(p, p + len, ref sink);
                wordStart = p + len;
            }
            p += len;
        }
        if (s.Count > wordStart) s.Emit(wordStart, s.Count, ref sink);
    }

    /// <summary>Reads the code point at <paramref name="i"/> and advances; false when <c>_clean_text</c> deletes it.</summary>
    static bool TryReadKept(ReadOnlySpan<char> text, ref int i, int end, out Rune rune)
    {
        if (Rune.DecodeFromUtf16(text[i..end], out rune, out int len) != OperationStatus.Done)
        {
            i++;
            return false;
        }
        i += len;
        return !BertCharacters.IsDropped(rune.Value);
    }

    /// <summary>One unit through Python's <c>lower()</c>, then NFC or — when stripping accents — NFD without non-spacing marks.</summary>
    string Normalize(StringBuilder unit)
    {
        string text;
        if (lowerCase)
        {
            var lowered = new StringBuilder(unit.Length + 1);
            foreach (var r in unit.ToString().EnumerateRunes()) BertCharacters.AppendLower(r, lowered);
            text = lowered.ToString();
        }
        else text = unit.ToString();
        if (!stripAccents) return text.Normalize(NormalizationForm.FormC);
        var stripped = new StringBuilder(text.Length);
        foreach (var r in text.Normalize(NormalizationForm.FormD).EnumerateRunes())
            if (Rune.GetUnicodeCategory(r) != System.Globalization.UnicodeCategory.NonSpacingMark) BertCharacters.AppendRune(r, stripped);
        return stripped.ToString();
    }

    /// <summary>Per-thread buffers for <see cref="UnicodeToken"/>: the normalized characters of one token and their sources.</summary>
    sealed class Scratch
    {
        public readonly StringBuilder Unit = new();
        public char[] Chars = new char[64];
        public int[] Starts = new int[64];
        public int[] Ends = new int[64];
        public int Count;

        public void Add(char c, int start, int end)
        {
            if (Count == Chars.Length)
            {
                Array.Resize(ref Chars, Count * 2);
                Array.Resize(ref Starts, Count * 2);
                Array.Resize(ref Ends, Count * 2);
            }
            Chars[Count] = c;
            Starts[Count] = start;
            Ends[Count] = end;
            Count++;
        }

        public void Emit<TSink>(int from, int to, ref TSink sink) where TSink : struct, IPreTokenSink =>
            sink.Word(Chars.AsSpan(from, to - from), Starts[from], Starts.AsSpan(from, to - from), Ends.AsSpan(from, to - from));
    }
}
