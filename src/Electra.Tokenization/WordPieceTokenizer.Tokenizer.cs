using System.Buffers;
using Microsoft.ML.Tokenizers;

namespace Electra.Tokenization;

// The Microsoft.ML.Tokenizers.Tokenizer face of the tokenizer: what a Tokenizer-typed reference sees.
public sealed partial class WordPieceTokenizer
{
    /// <summary>
    /// HF's <c>tokenizer(text)["input_ids"]</c>: <c>[CLS]</c>, the word pieces, <c>[SEP]</c>. A
    /// <see cref="EncodeSettings.MaxTokenCount"/> keeps <c>[CLS]</c>/<c>[SEP]</c> and the first pieces that fit (HF's
    /// truncation of a single text); fewer than 2 gives nothing. <see cref="EncodeResults{T}.CharsConsumed"/> is the end
    /// of the last piece kept in the original text (its length when nothing was cut), and
    /// <see cref="EncodeResults{T}.NormalizedText"/> is null: offsets always index the original text.
    /// </summary>
    /// <exception cref="NotSupportedException">Normalization or pre-tokenization is switched off: HF's BERT pipeline has no such mode.</exception>
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        bool truncating = RequireHfPipeline(settings);
        var sink = Tokenize(Source(text, textSpan), withOffsets: truncating);
        try
        {
            if (settings.MaxTokenCount < 2) return new EncodeResults<int> { Tokens = [], CharsConsumed = 0 };
            int keep = Math.Min(sink.Count, settings.MaxTokenCount - 2);
            var ids = new int[keep + 2];
            ids[0] = ClsId;
            sink.Ids[..keep].CopyTo(ids.AsSpan(1));
            ids[^1] = SepId;
            return new EncodeResults<int> { Tokens = ids, CharsConsumed = CharsConsumed(sink, keep, Source(text, textSpan).Length) };
        }
        finally
        {
            sink.Dispose();
        }
    }

    /// <summary>
    /// The tokens of <see cref="EncodeToIds(string?, ReadOnlySpan{char}, EncodeSettings)"/> with their vocabulary
    /// strings and offsets into the ORIGINAL text (HF's <c>offset_mapping</c>; <c>[CLS]</c>/<c>[SEP]</c> have the
    /// empty range 0..0, as in HF).
    /// </summary>
    /// <exception cref="NotSupportedException">Normalization or pre-tokenization is switched off.</exception>
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        RequireHfPipeline(settings);
        var sink = Tokenize(Source(text, textSpan), withOffsets: true);
        try
        {
            if (settings.MaxTokenCount < 2) return new EncodeResults<EncodedToken> { Tokens = [], CharsConsumed = 0 };
            int keep = Math.Min(sink.Count, settings.MaxTokenCount - 2);
            var tokens = new EncodedToken[keep + 2];
            tokens[0] = new EncodedToken(ClsId, IdToToken(ClsId), new Range(0, 0));
            for (int i = 0; i < keep; i++)
                tokens[i + 1] = new EncodedToken(sink.Ids[i], IdToToken(sink.Ids[i]), new Range(sink.Starts[i], sink.Ends[i]));
            tokens[^1] = new EncodedToken(SepId, IdToToken(SepId), new Range(0, 0));
            return new EncodeResults<EncodedToken> { Tokens = tokens, CharsConsumed = CharsConsumed(sink, keep, Source(text, textSpan).Length) };
        }
        finally
        {
            sink.Dispose();
        }
    }

    /// <summary>The length of <see cref="EncodeToIds(string?, ReadOnlySpan{char}, EncodeSettings)"/>, without building it.</summary>
    /// <exception cref="NotSupportedException">Normalization or pre-tokenization is switched off.</exception>
    protected override int CountTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        RequireHfPipeline(settings);
        var sink = Tokenize(Source(text, textSpan), withOffsets: false);
        int count = sink.Count;
        sink.Dispose();
        return settings.MaxTokenCount < 2 ? 0 : Math.Min(count + 2, settings.MaxTokenCount);
    }

    /// <summary>
    /// Where in the original text the tokens that fit <see cref="EncodeSettings.MaxTokenCount"/> (counting
    /// <c>[CLS]</c>/<c>[SEP]</c>) end, or, from the end, where the last ones that fit start; <paramref name="tokenCount"/>
    /// is the number of tokens kept, special tokens included, and <paramref name="normalizedText"/> is null.
    /// </summary>
    /// <exception cref="NotSupportedException">Normalization or pre-tokenization is switched off.</exception>
    protected override int GetIndexByTokenCount(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings, bool fromEnd, out string? normalizedText, out int tokenCount)
    {
        RequireHfPipeline(settings);
        normalizedText = null;
        var source = Source(text, textSpan);
        var sink = Tokenize(source, withOffsets: true);
        try
        {
            if (settings.MaxTokenCount < 2)
            {
                tokenCount = 0;
                return fromEnd ? source.Length : 0;
            }
            int keep = Math.Min(sink.Count, settings.MaxTokenCount - 2);
            tokenCount = keep + 2;
            if (!fromEnd) return keep == 0 ? 0 : sink.Ends[keep - 1];
            return keep == 0 ? source.Length : sink.Starts[sink.Count - keep];
        }
        finally
        {
            sink.Dispose();
        }
    }

    /// <summary>HF's <c>decode(ids, skip_special_tokens=True)</c>; see <see cref="Decode(IEnumerable{int}, bool)"/>.</summary>
    public override string Decode(IEnumerable<int> ids) => Decode(ids, skipSpecialTokens: true);

    /// <summary>
    /// <see cref="Decode(IEnumerable{int})"/> into <paramref name="destination"/>, all or nothing: HF's clean-up works on
    /// the whole text, so when it does not fit nothing is written and the result is
    /// <see cref="OperationStatus.DestinationTooSmall"/>.
    /// </summary>
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        var list = ids as IReadOnlyCollection<int> ?? ids.ToArray();
        string text = Decode(list, skipSpecialTokens: true);
        if (text.Length > destination.Length)
        {
            idsConsumed = charsWritten = 0;
            return OperationStatus.DestinationTooSmall;
        }
        text.CopyTo(destination);
        idsConsumed = list.Count;
        charsWritten = text.Length;
        return OperationStatus.Done;
    }

    /// <summary>
    /// Checks the settings a <see cref="Tokenizer"/> caller passes: HF's BERT pipeline always normalizes and
    /// pre-tokenizes, so switching either off is refused rather than silently ignored. True when tokens may be cut.
    /// </summary>
    static bool RequireHfPipeline(EncodeSettings settings)
    {
        if (!settings.ConsiderNormalization || !settings.ConsiderPreTokenization)
            throw new NotSupportedException("Electra's WordPieceTokenizer always normalizes and pre-tokenizes as HF's BertTokenizer does; " +
                                            "call it with considerNormalization and considerPreTokenization true");
        if (settings.MaxTokenCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.MaxTokenCount, "MaxTokenCount must be positive");
        return settings.MaxTokenCount != int.MaxValue;
    }

    /// <summary>The text a <see cref="Tokenizer"/> overload passes: the string when given, else the span.</summary>
    static ReadOnlySpan<char> Source(string? text, ReadOnlySpan<char> textSpan) => text is null ? textSpan : text.AsSpan();

    /// <summary>How much of the original text the first <paramref name="keep"/> pieces cover: all of it when none was cut.</summary>
    static int CharsConsumed(in WordPieceSink sink, int keep, int textLength) =>
        keep == sink.Count ? textLength : keep == 0 ? 0 : sink.Ends[keep - 1];
}
