namespace Electra.Tokenization;

/// <summary>
/// A BERT/ELECTRA WordPiece tokenizer that gives the ids of HF transformers' Python <c>BertTokenizer</c> (the slow
/// <c>BasicTokenizer</c> + <c>WordpieceTokenizer</c>) for the same <c>vocab.txt</c> and options, with offsets into
/// the original strings. Thread-safe: one instance serves any number of threads.
/// </summary>
/// <remarks>
/// <para>Pipeline: special tokens written in the text are kept whole; then <c>_clean_text</c> (drop NUL, U+FFFD,
/// controls and format characters such as zero-width spaces; whitespace becomes a separator), CJK ideographs split,
/// NFC, whitespace split, lower-casing and accent stripping per <see cref="TokenizerOptions"/>, punctuation split
/// (ASCII symbols and Unicode P*), then greedy longest-match-first WordPiece with <c>##</c> continuations; a word
/// longer than <see cref="MaxInputCharsPerWord"/> code points, or one the vocabulary cannot spell, is <c>[UNK]</c>.</para>
/// <para>Why not <c>Microsoft.ML.Tokenizers</c>' <c>BertTokenizer</c>: its normalizer deletes tab/newline so
/// neighbouring words merge, drops symbols such as <c>$ + = | ~</c> and emoji, does not strip accents when
/// lower-casing and reports offsets into the normalized text; replacing its normalizer and pre-tokenizer would still
/// leave its WordPiece step. Measured with <c>bench/Electra.Bench.Tokenization</c> on the 12.5 MB pretraining corpus
/// (2 cores, shared, so ±30%): ML.Tokenizers' BertTokenizer 15-19 MB/s with ids differing from HF's rules on 1844 of
/// 89815 lines, FastBertTokenizer 1.2.6 33-53 MB/s, this tokenizer 42-45 MB/s on one thread (after adding the
/// prefix-hash table, 45 vs FastBert's 33 in the same interleaved run) with identical ids; so the whole path is
/// written here and ML.Tokenizers is only benchmarked against.</para>
/// <para>Input that cannot be tokenized well still gives a defined result: lone surrogates are dropped like U+FFFD,
/// empty or all-whitespace text gives no word pieces, unknown ids decode as the unknown token.</para>
/// <para>It is a <see cref="Microsoft.ML.Tokenizers.Tokenizer"/>, so code typed on that class (ML.NET, Semantic Kernel
/// text chunkers, embedding packages) gets HF-exact BERT tokenization: see the members it overrides.</para>
/// </remarks>
public sealed partial class WordPieceTokenizer : Microsoft.ML.Tokenizers.Tokenizer
{
    /// <summary>HF's <c>max_input_chars_per_word</c>: longer words (in code points, after normalization) become the unknown token.</summary>
    public const int MaxInputCharsPerWord = 100;

    static readonly EncodeOptions DefaultEncodeOptions = new();

    readonly WordPieceVocabulary vocabulary;
    readonly BasicTokenizer basic;
    readonly int[] specialIds;
    readonly HashSet<int> specialIdSet;

    WordPieceTokenizer(string[] tokens, TokenizerOptions options, Func<string, Exception> invalid)
    {
        for (int i = 0; i < tokens.Length; i++)
            if (tokens[i].AsSpan().IndexOfAny('\n', '\r') >= 0)
                throw invalid($"token {i} contains a line break, which vocab.txt cannot hold");
        Options = options;
        vocabulary = new WordPieceVocabulary(tokens);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        DuplicateTokens = tokens.Where(t => !seen.Add(t)).Distinct(StringComparer.Ordinal).ToArray();
        int Id(string token, string role) => vocabulary.TryGetId(token, out int id) ? id
            : throw invalid($"the vocabulary has no {role} token \"{token}\" (vocab size {tokens.Length}); add it or set {role}_token in tokenizer_config.json");
        PadId = Id(options.PadToken, "pad");
        UnkId = Id(options.UnkToken, "unk");
        ClsId = Id(options.ClsToken, "cls");
        SepId = Id(options.SepToken, "sep");
        MaskId = Id(options.MaskToken, "mask");
        basic = new BasicTokenizer(options, [.. options.SpecialTokens, .. options.NeverSplit]);
        specialIds = basic.SpecialTokens.Select(t => vocabulary.TryGetId(t, out int id) ? id : UnkId).ToArray();
        specialIdSet = [PadId, UnkId, ClsId, SepId, MaskId];
    }

    /// <summary>
    /// Loads a <c>vocab.txt</c>, or a folder holding one, with the <c>tokenizer_config.json</c> beside it when present;
    /// without it the <see cref="TokenizerOptions"/> defaults apply (BERT uncased: lower-case, strip accents, split CJK).
    /// A folder without <c>vocab.txt</c> but with HF's <c>tokenizer.json</c>, or that file itself, loads from it when
    /// its model is WordPiece with a <c>BertNormalizer</c> and <c>BertPreTokenizer</c> (their options are honoured).
    /// </summary>
    /// <exception cref="FileNotFoundException">No such file, or the folder has neither <c>vocab.txt</c> nor <c>tokenizer.json</c>.</exception>
    /// <exception cref="InvalidDataException">Invalid UTF-8 or JSON, a tokenizer.json of another kind, or a special token missing from the vocabulary (the message names the file).</exception>
    public static WordPieceTokenizer Load(string vocabFileOrFolder)
    {
        bool folder = Directory.Exists(vocabFileOrFolder);
        string vocabPath = folder ? Path.Combine(vocabFileOrFolder, TokenizerFiles.VocabFileName) : vocabFileOrFolder;
        string jsonPath = folder ? Path.Combine(vocabFileOrFolder, TokenizerFiles.TokenizerJsonFileName) : vocabFileOrFolder;
        bool fromJson = folder ? !File.Exists(vocabPath) && File.Exists(jsonPath) : Path.GetFileName(vocabFileOrFolder) == TokenizerFiles.TokenizerJsonFileName;
        string path = fromJson ? jsonPath : vocabPath;
        if (!File.Exists(path))
            throw new FileNotFoundException(folder
                ? $"{vocabFileOrFolder}: the folder holds neither {TokenizerFiles.VocabFileName} nor {TokenizerFiles.TokenizerJsonFileName}"
                : $"{vocabFileOrFolder}: no such vocabulary file or folder", path);
        string configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, TokenizerFiles.ConfigFileName);
        var options = File.Exists(configPath) ? TokenizerFiles.ReadOptions(configPath) : new TokenizerOptions();
        string[] tokens;
        if (fromJson) (tokens, options) = TokenizerFiles.ReadTokenizerJson(path, options);
        else tokens = TokenizerFiles.ReadVocabulary(path);
        return new WordPieceTokenizer(tokens, options, m => new InvalidDataException($"{path}: {m}"));
    }

    /// <summary>Builds a tokenizer from tokens in id order (a token listed twice maps to its later id, as in HF).</summary>
    /// <exception cref="ArgumentException">A special token is missing or a token contains a line break.</exception>
    public static WordPieceTokenizer FromVocabulary(IEnumerable<string> tokens, TokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return new WordPieceTokenizer(tokens.ToArray(), options ?? new TokenizerOptions(), m => new ArgumentException(m, nameof(tokens)));
    }

    /// <summary>Normalization options and special tokens.</summary>
    public TokenizerOptions Options { get; }

    /// <summary>Number of ids (lines of <c>vocab.txt</c>): the embedding size a model needs.</summary>
    public int VocabSize => vocabulary.Tokens.Length;

    /// <summary>Id of <see cref="TokenizerOptions.PadToken"/>.</summary>
    public int PadId { get; }

    /// <summary>Id of <see cref="TokenizerOptions.UnkToken"/>.</summary>
    public int UnkId { get; }

    /// <summary>Id of <see cref="TokenizerOptions.ClsToken"/>.</summary>
    public int ClsId { get; }

    /// <summary>Id of <see cref="TokenizerOptions.SepToken"/>.</summary>
    public int SepId { get; }

    /// <summary>Id of <see cref="TokenizerOptions.MaskToken"/>.</summary>
    public int MaskId { get; }

    /// <summary>
    /// Tokens listed more than once in the vocabulary. Each maps to its last id, as in HF's <c>load_vocab</c>, so the
    /// earlier ids are never produced: a vocabulary file edited by hand or merged badly. Callers should warn.
    /// </summary>
    public IReadOnlyList<string> DuplicateTokens { get; }

    /// <summary>Token strings by id.</summary>
    public IReadOnlyList<string> Vocabulary => vocabulary.Tokens;

    /// <summary>The token of an id, or the unknown token for an id outside the vocabulary (as HF's <c>convert_ids_to_tokens</c>).</summary>
    public string IdToToken(int id) => (uint)id < (uint)vocabulary.Tokens.Length ? vocabulary.Tokens[id] : Options.UnkToken;

    /// <summary>The id of a token string (exact, with its <c>##</c> if any).</summary>
    public bool TryGetId(string token, out int id) => vocabulary.TryGetId(token, out id);

    /// <summary>
    /// The ids this vocabulary spells the word piece <paramref name="piece"/> with, by the same greedy longest-match
    /// search as <see cref="TokenizeToIds"/> but without normalization or pre-tokenization: a <c>##</c> piece is spelt as
    /// the continuation of a word. A piece it cannot spell is <c>[UNK]</c>, as such a word would be.
    /// </summary>
    public int[] CutPiece(string piece)
    {
        ArgumentException.ThrowIfNullOrEmpty(piece);
        int start = piece.Length > WordPieceVocabulary.ContinuationPrefix.Length && piece.StartsWith(WordPieceVocabulary.ContinuationPrefix, StringComparison.Ordinal)
            ? WordPieceVocabulary.ContinuationPrefix.Length : 0;
        if (piece.Length - start > MaxInputCharsPerWord) return [UnkId];
        var ids = new List<int>();
        for (int p = start; p < piece.Length;)
        {
            int end = vocabulary.LongestMatch(piece, p, out int id); // p > 0 searches the continuation pieces
            if (end < 0) return [UnkId];
            ids.Add(id);
            p = end;
        }
        return [.. ids];
    }

    /// <summary>
    /// Word-piece ids of <paramref name="text"/> without <c>[CLS]</c>/<c>[SEP]</c> (special tokens written in the text
    /// are still recognized, as in HF's <c>encode(add_special_tokens=False)</c>). The hot path of dataset building:
    /// one pooled buffer and the result array are all it allocates for ASCII text.
    /// </summary>
    public int[] TokenizeToIds(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sink = Tokenize(text, withOffsets: false);
        try
        {
            return sink.Ids.ToArray();
        }
        finally
        {
            sink.Dispose();
        }
    }

    WordPieceSink Tokenize(ReadOnlySpan<char> text, bool withOffsets)
    {
        var sink = new WordPieceSink(vocabulary, UnkId, specialIds, text.Length, withOffsets);
        basic.Run(text, ref sink);
        return sink;
    }

    /// <summary>
    /// Encodes a text or a text pair as <c>[CLS] A [SEP]</c> / <c>[CLS] A [SEP] B [SEP]</c> (HF's <c>__call__</c>),
    /// truncated and padded per <paramref name="options"/>, with offsets into the original strings.
    /// </summary>
    /// <exception cref="ArgumentException">The options cannot be met (e.g. only-first truncation of a first text too short to lose enough tokens).</exception>
    public Encoding Encode(string text, string? textPair = null, EncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        options ??= DefaultEncodeOptions;
        var a = Tokenize(text, withOffsets: true);
        var b = textPair is null ? default : Tokenize(textPair, withOffsets: true);
        try
        {
            var (keepA, keepB) = SequenceLayout.Truncate(a.Count, b.Count, textPair is not null, options);
            int length = SequenceLayout.Length(keepA, keepB, textPair is not null, options);
            int padded = options.Padding == PaddingStrategy.MaxLength ? Math.Max(length, SequenceLayout.RequireMaxLength(options)) : length;
            var ids = new int[padded];
            var types = new int[padded];
            var mask = new int[padded];
            var offsets = new (int Start, int End)[padded];
            int n = 0;
            void Put(int id, int type, int start, int end)
            {
                ids[n] = id;
                types[n] = type;
                mask[n] = 1;
                offsets[n] = (start, end);
                n++;
            }
            if (options.AddSpecialTokens) Put(ClsId, 0, 0, 0);
            for (int i = 0; i < keepA; i++) Put(a.Ids[i], 0, a.Starts[i], a.Ends[i]);
            if (options.AddSpecialTokens) Put(SepId, 0, 0, 0);
            if (textPair is not null)
            {
                for (int i = 0; i < keepB; i++) Put(b.Ids[i], 1, b.Starts[i], b.Ends[i]);
                if (options.AddSpecialTokens) Put(SepId, 1, 0, 0);
            }
            ids.AsSpan(n).Fill(PadId);
            return new Encoding(ids, types, mask, offsets, ids.Select(IdToToken).ToArray());
        }
        finally
        {
            a.Dispose();
            if (textPair is not null) b.Dispose();
        }
    }

    /// <summary>
    /// Encodes many texts (or pairs) in parallel into contiguous row-major [B, L] arrays. L is the longest row, or
    /// <see cref="EncodeOptions.MaxLength"/> with <see cref="PaddingStrategy.MaxLength"/>; rows are always padded to
    /// L since the arrays are rectangular.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="pairs"/> is not as long as <paramref name="texts"/>, or the options cannot be met.</exception>
    public BatchEncoding EncodeBatch(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs = null, EncodeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (pairs is not null && pairs.Count != texts.Count)
            throw new ArgumentException($"pairs has {pairs.Count} texts but texts has {texts.Count}", nameof(pairs));
        options ??= DefaultEncodeOptions;
        int batch = texts.Count;
        var first = new int[batch][];
        var second = pairs is null ? null : new int[batch][];
        var keep = new (int A, int B)[batch];
        Parallel.For(0, batch, r =>
        {
            first[r] = TokenizeToIds(texts[r] ?? throw new ArgumentException($"texts[{r}] is null", nameof(texts)));
            if (second is not null) second[r] = TokenizeToIds(pairs![r] ?? throw new ArgumentException($"pairs[{r}] is null", nameof(pairs)));
            keep[r] = SequenceLayout.Truncate(first[r].Length, second?[r].Length ?? 0, pairs is not null, options);
        });
        int longest = 0;
        foreach (var (ka, kb) in keep) longest = Math.Max(longest, SequenceLayout.Length(ka, kb, pairs is not null, options));
        int width = options.Padding == PaddingStrategy.MaxLength ? Math.Max(longest, SequenceLayout.RequireMaxLength(options)) : longest;
        var ids = new long[(long)batch * width];
        var types = new long[ids.Length];
        var mask = new long[ids.Length];
        Parallel.For(0, batch, r =>
        {
            var rowIds = ids.AsSpan(r * width, width);
            var rowTypes = types.AsSpan(r * width, width);
            int n = 0;
            if (options.AddSpecialTokens) rowIds[n++] = ClsId;
            foreach (int id in first[r].AsSpan(0, keep[r].A)) rowIds[n++] = id;
            if (options.AddSpecialTokens) rowIds[n++] = SepId;
            if (second is not null)
            {
                int typeStart = n;
                foreach (int id in second[r].AsSpan(0, keep[r].B)) rowIds[n++] = id;
                if (options.AddSpecialTokens) rowIds[n++] = SepId;
                rowTypes[typeStart..n].Fill(1);
            }
            mask.AsSpan(r * width, n).Fill(1);
            rowIds[n..].Fill(PadId);
        });
        return new BatchEncoding(batch, width, ids, types, mask);
    }

    /// <summary>
    /// Text of a sequence of ids, as HF's <c>decode</c>: tokens joined by spaces, <c>" ##"</c> removed, then (with
    /// <see cref="TokenizerOptions.CleanUpTokenizationSpaces"/>) the space before <c>. ? ! ,</c> and contractions removed.
    /// Normalization is not undone (lower-casing, accents, spaces around punctuation). <see cref="Decode(IEnumerable{int})"/>
    /// is this with <paramref name="skipSpecialTokens"/> true.
    /// </summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = ids.Where(id => !(skipSpecialTokens && specialIdSet.Contains(id))).Select(IdToToken);
        string text = string.Join(' ', tokens).Replace(" " + WordPieceVocabulary.ContinuationPrefix, "", StringComparison.Ordinal).Trim();
        return Options.CleanUpTokenizationSpaces ? CleanUpTokenization(text) : text;
    }

    /// <summary>HF's <c>clean_up_tokenization</c>.</summary>
    static string CleanUpTokenization(string text) => text
        .Replace(" .", ".").Replace(" ?", "?").Replace(" !", "!").Replace(" ,", ",").Replace(" ' ", "'")
        .Replace(" n't", "n't").Replace(" 'm", "'m").Replace(" 's", "'s").Replace(" 've", "'ve").Replace(" 're", "'re");

    /// <summary>
    /// Writes <c>vocab.txt</c> and <c>tokenizer_config.json</c> (with <c>tokenizer_class: "ElectraTokenizer"</c>) into
    /// <paramref name="folder"/>, which Python's <c>AutoTokenizer.from_pretrained</c> loads; each file is written under a
    /// temporary name and renamed, so a reader never sees half a file.
    /// </summary>
    public void Save(string folder) => TokenizerFiles.Write(folder, vocabulary.Tokens, Options);
}
