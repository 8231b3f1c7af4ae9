using Microsoft.ML.Tokenizers;

namespace Electra.Tokenization;

/// <summary>
/// Any <see cref="Tokenizer"/> as ELECTRA's pipelines need it: its vocabulary (token strings by id, which the model's
/// embedding rows mean), the ids of <c>[PAD]</c> <c>[UNK]</c> <c>[CLS]</c> <c>[SEP]</c> <c>[MASK]</c> looked up by
/// their text in it, word pieces without <c>[CLS]</c>/<c>[SEP]</c> (dataset packing adds its own), <c>[CLS] A [SEP]
/// B [SEP]</c> pairs with <see cref="EncodeOptions"/> truncation (fine-tuning), and HF's tokenizer files for the run
/// folder. Thread-safe when the tokenizer is (every Microsoft.ML.Tokenizers tokenizer is).
/// </summary>
/// <remarks>
/// <para>Where the vocabulary comes from. <see cref="Tokenizer"/> has no vocabulary API, so: Electra's
/// <see cref="WordPieceTokenizer"/> gives its own (and its fast paths: nothing is slower than calling it directly);
/// Microsoft.ML.Tokenizers' <c>WordPieceTokenizer</c> and <c>BertTokenizer</c> (3.0 exposes no token list) are read by
/// decoding each id from 0 until one decodes to nothing, telling a <c>##</c> continuation from a word by whether
/// encoding the decoded text alone gives that id back; any other tokenizer needs its tokens passed in.</para>
/// <para>Word pieces. The tokenizer's <see cref="Tokenizer.EncodeToIds(string, bool, bool)"/> is used as it is when it
/// encodes the empty text as nothing, with its first and last id removed when it encodes it as <c>[CLS] [SEP]</c> (as
/// Electra's does); any other answer is refused at <see cref="Create"/>.</para>
/// <para>What only Electra's tokenizer has: offsets into the original text (question answering's windows need them)
/// and HF-exact normalization; <see cref="Save"/> records, for a foreign tokenizer, its vocabulary and the BERT options
/// it declares (<c>BertTokenizer</c>'s lower-casing, accents and CJK switches; the defaults otherwise), so the saved
/// folder loads as HF's BERT tokenizer over the same ids, which splits text as the foreign tokenizer did only as far
/// as that tokenizer follows BERT's rules.</para>
/// </remarks>
public sealed class TokenizerAdapter
{
    readonly WordPieceTokenizer? electra;
    readonly WordPieceTokenizer view; // the vocabulary and special ids (Electra's tokenizer itself, or one built on the foreign vocabulary)
    readonly bool stripsSpecials;

    TokenizerAdapter(Tokenizer tokenizer, WordPieceTokenizer view, bool stripsSpecials)
    {
        Tokenizer = tokenizer;
        electra = tokenizer as WordPieceTokenizer;
        this.view = view;
        this.stripsSpecials = stripsSpecials;
    }

    /// <summary>
    /// Wraps <paramref name="tokenizer"/>, checking before any work that its vocabulary holds the special tokens.
    /// </summary>
    /// <param name="tokenizer">Electra's <see cref="WordPieceTokenizer"/>, Microsoft.ML.Tokenizers' <c>WordPieceTokenizer</c> or <c>BertTokenizer</c>, or any tokenizer with <paramref name="vocabulary"/>.</param>
    /// <param name="vocabulary">Token strings by id; required for tokenizers of other types, ignored for Electra's.</param>
    /// <exception cref="ArgumentException">The vocabulary lacks special tokens (all are named, with the tokenizer's type), cannot be read, or the tokenizer's ids fall outside it.</exception>
    public static TokenizerAdapter Create(Tokenizer tokenizer, IReadOnlyList<string>? vocabulary = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer is WordPieceTokenizer own) return new TokenizerAdapter(own, own, stripsSpecials: true);
        string name = tokenizer.GetType().FullName ?? tokenizer.GetType().Name;
        var options = DeclaredOptions(tokenizer);
        var tokens = vocabulary ?? (tokenizer is Microsoft.ML.Tokenizers.WordPieceTokenizer wordPiece ? DecodeVocabulary(wordPiece)
            : throw new ArgumentException($"{name}: a Microsoft.ML.Tokenizers.Tokenizer has no vocabulary API, so ELECTRA cannot read this one's token list; " +
                                          "pass its tokens by id (TokenizerAdapter.Create(tokenizer, vocabulary), or PipelineOptions.TokenizerVocabulary)", nameof(vocabulary)));
        var missing = options.SpecialTokens.Except(tokens, StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"{name}: the vocabulary ({tokens.Count} tokens) lacks {string.Join(", ", missing)}; ELECTRA needs " +
                                        $"{string.Join(" ", options.SpecialTokens)} (masking, packing and padding use them)", nameof(tokenizer));
        var view = WordPieceTokenizer.FromVocabulary(tokens, options);
        var empty = tokenizer.EncodeToIds("");
        bool strips = empty.Count == 2 && empty[0] == view.ClsId && empty[1] == view.SepId;
        if (empty.Count != 0 && !strips)
            throw new ArgumentException($"{name} encodes the empty text as [{string.Join(", ", empty)}]; ELECTRA expects no ids, or [CLS] [SEP] ({view.ClsId}, {view.SepId})", nameof(tokenizer));
        return new TokenizerAdapter(tokenizer, view, strips);
    }

    /// <summary>The tokenizer wrapped.</summary>
    public Tokenizer Tokenizer { get; }

    /// <summary>Token strings by id: <c>vocab.txt</c>'s lines.</summary>
    public IReadOnlyList<string> Vocabulary => view.Vocabulary;

    /// <summary>Number of ids: the embedding size a model needs.</summary>
    public int VocabSize => view.VocabSize;

    /// <summary>Id of <c>[PAD]</c>.</summary>
    public int PadId => view.PadId;

    /// <summary>Id of <c>[UNK]</c>.</summary>
    public int UnkId => view.UnkId;

    /// <summary>Id of <c>[CLS]</c>.</summary>
    public int ClsId => view.ClsId;

    /// <summary>Id of <c>[SEP]</c>.</summary>
    public int SepId => view.SepId;

    /// <summary>Id of <c>[MASK]</c>.</summary>
    public int MaskId => view.MaskId;

    /// <summary>Tokens listed more than once in <see cref="Vocabulary"/> (each means its last id, as in HF).</summary>
    public IReadOnlyList<string> DuplicateTokens => view.DuplicateTokens;

    /// <summary>
    /// Word-piece ids of <paramref name="text"/> without <c>[CLS]</c>/<c>[SEP]</c>: Electra's
    /// <see cref="WordPieceTokenizer.TokenizeToIds"/>, or the tokenizer's ids with the ones it adds around every text removed.
    /// </summary>
    /// <exception cref="InvalidDataException">The tokenizer returned an id outside <see cref="Vocabulary"/>.</exception>
    public int[] TokenizeToIds(string text)
    {
        if (electra is not null) return electra.TokenizeToIds(text);
        var ids = Tokenizer.EncodeToIds(text);
        int skip = stripsSpecials ? 1 : 0;
        var pieces = new int[ids.Count - 2 * skip];
        for (int i = 0; i < pieces.Length; i++)
        {
            pieces[i] = ids[i + skip];
            if ((uint)pieces[i] >= (uint)VocabSize)
                throw new InvalidDataException($"{Tokenizer.GetType().Name} gave id {pieces[i]}, outside its vocabulary of {VocabSize} tokens");
        }
        return pieces;
    }

    /// <summary>
    /// <c>[CLS] A [SEP]</c> or <c>[CLS] A [SEP] B [SEP]</c> ids and token types, truncated and padded per
    /// <paramref name="options"/> as <see cref="WordPieceTokenizer.Encode"/> does (its result for Electra's tokenizer).
    /// </summary>
    /// <exception cref="ArgumentException">The options cannot be met.</exception>
    public (int[] Ids, int[] TypeIds) Encode(string text, string? textPair, EncodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (electra is not null)
        {
            var encoding = electra.Encode(text, textPair, options);
            return (encoding.Ids, encoding.TypeIds);
        }
        int[] a = TokenizeToIds(text), b = textPair is null ? [] : TokenizeToIds(textPair);
        bool pair = textPair is not null;
        var (keepA, keepB) = SequenceLayout.Truncate(a.Length, b.Length, pair, options);
        int length = SequenceLayout.Length(keepA, keepB, pair, options);
        int padded = options.Padding == PaddingStrategy.MaxLength ? Math.Max(length, SequenceLayout.RequireMaxLength(options)) : length;
        var ids = new List<int>(padded);
        if (options.AddSpecialTokens) ids.Add(ClsId);
        ids.AddRange(a.AsSpan(0, keepA));
        if (options.AddSpecialTokens) ids.Add(SepId);
        int typeStart = ids.Count;
        if (pair)
        {
            ids.AddRange(b.AsSpan(0, keepB));
            if (options.AddSpecialTokens) ids.Add(SepId);
        }
        var types = new int[padded];
        types.AsSpan(typeStart, ids.Count - typeStart).Fill(1);
        while (ids.Count < padded) ids.Add(PadId);
        return ([.. ids], types);
    }

    /// <summary>
    /// Writes <c>vocab.txt</c> and <c>tokenizer_config.json</c> into <paramref name="folder"/> (see
    /// <see cref="WordPieceTokenizer.Save"/>): Electra's tokenizer as it is; a foreign one as its vocabulary with the BERT
    /// options it declares (see the class remarks for what that folder does and does not reproduce).
    /// </summary>
    public void Save(string folder) => view.Save(folder);

    /// <summary>The special tokens and BERT normalization a foreign tokenizer declares: <c>BertTokenizer</c>'s own, BERT's defaults otherwise.</summary>
    static TokenizerOptions DeclaredOptions(Tokenizer tokenizer) => tokenizer switch
    {
        BertTokenizer bert => new TokenizerOptions
        {
            DoLowerCase = bert.LowerCaseBeforeTokenization,
            StripAccents = bert.RemoveNonSpacingMarks,
            TokenizeChineseChars = bert.IndividuallyTokenizeCjk,
            PadToken = bert.PaddingToken,
            UnkToken = bert.UnknownToken,
            ClsToken = bert.ClassificationToken,
            SepToken = bert.SeparatorToken,
            MaskToken = bert.MaskingToken,
        },
        Microsoft.ML.Tokenizers.WordPieceTokenizer wordPiece => new TokenizerOptions { UnkToken = wordPiece.UnknownToken },
        _ => new TokenizerOptions(),
    };

    /// <summary>
    /// The token list of an ML.NET WordPiece tokenizer, which 3.0 does not expose: <c>Decode</c> of one id is its token
    /// with any continuation prefix removed; the token is that text when encoding the text alone (no normalization or
    /// pre-tokenization) gives the id back, and the prefixed continuation otherwise. Ends at the first id that decodes
    /// to nothing, so a <c>vocab.txt</c> with blank lines (ids with no token) must be passed as tokens instead.
    /// </summary>
    static List<string> DecodeVocabulary(Microsoft.ML.Tokenizers.WordPieceTokenizer tokenizer)
    {
        var tokens = new List<string>();
        for (int id = 0; ; id++)
        {
            string text = tokenizer.Decode([id]);
            if (text.Length == 0) return tokens;
            var alone = tokenizer.EncodeToIds(text, considerPreTokenization: false, considerNormalization: false);
            tokens.Add(alone is [int same] && same == id ? text : tokenizer.ContinuingSubwordPrefix + text);
        }
    }
}
