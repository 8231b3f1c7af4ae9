namespace Electra.Tokenization;

/// <summary>
/// How text is normalized and which special tokens a <see cref="WordPieceTokenizer"/> uses: the keys of HF's
/// <c>tokenizer_config.json</c> for <c>BertTokenizer</c>/<c>ElectraTokenizer</c>. The defaults are HF's
/// <c>BertTokenizer.__init__</c> defaults, i.e. an uncased BERT/ELECTRA tokenizer.
/// </summary>
public sealed record TokenizerOptions
{
    /// <summary>Lower-case the text (Python's <c>str.lower</c>). HF key <c>do_lower_case</c>; default true.</summary>
    public bool DoLowerCase { get; init; } = true;

    /// <summary>
    /// Remove accents (NFD, then drop non-spacing marks). HF key <c>strip_accents</c>; default null, which follows
    /// <see cref="DoLowerCase"/> exactly as HF does (strip when lower-casing, keep otherwise).
    /// </summary>
    public bool? StripAccents { get; init; }

    /// <summary>Put every CJK ideograph in a word of its own. HF key <c>tokenize_chinese_chars</c>; default true.</summary>
    public bool TokenizeChineseChars { get; init; } = true;

    /// <summary>Padding token. HF key <c>pad_token</c>; default <c>[PAD]</c>.</summary>
    public string PadToken { get; init; } = "[PAD]";

    /// <summary>Token for words the vocabulary cannot spell. HF key <c>unk_token</c>; default <c>[UNK]</c>.</summary>
    public string UnkToken { get; init; } = "[UNK]";

    /// <summary>Sequence-start token. HF key <c>cls_token</c>; default <c>[CLS]</c>.</summary>
    public string ClsToken { get; init; } = "[CLS]";

    /// <summary>Separator/end token. HF key <c>sep_token</c>; default <c>[SEP]</c>.</summary>
    public string SepToken { get; init; } = "[SEP]";

    /// <summary>Masked-position token. HF key <c>mask_token</c>; default <c>[MASK]</c>.</summary>
    public string MaskToken { get; init; } = "[MASK]";

    /// <summary>Longest sequence the model accepts. HF key <c>model_max_length</c>; default 512 (BERT/ELECTRA).</summary>
    public int ModelMaxLength { get; init; } = 512;

    /// <summary>
    /// Whether <see cref="WordPieceTokenizer.Decode(IEnumerable{int}, bool)"/> removes the space before <c>. , ! ?</c> and English contractions.
    /// HF key <c>clean_up_tokenization_spaces</c>; default true (BertTokenizer's default).
    /// </summary>
    public bool CleanUpTokenizationSpaces { get; init; } = true;

    /// <summary>
    /// Tokens matched verbatim in the text and kept whole, never normalized or split (the way the special tokens are
    /// found), e.g. domain symbols added with <c>electra vocab extend --add-tokens</c>. Written as <c>never_split</c>
    /// and as non-special <c>added_tokens_decoder</c> entries (<c>"normalized": false</c>, as HF's
    /// <c>add_tokens</c> records them) in <c>tokenizer_config.json</c>; read from either. Default none.
    /// </summary>
    public IReadOnlyList<string> NeverSplit { get; init; } = [];

    /// <summary>The accent rule in force: <see cref="StripAccents"/>, or <see cref="DoLowerCase"/> when it is null.</summary>
    public bool EffectiveStripAccents => StripAccents ?? DoLowerCase;

    /// <summary>The five special tokens in the order the trainer gives them ids 0..4: PAD, UNK, CLS, SEP, MASK.</summary>
    public IReadOnlyList<string> SpecialTokens => [PadToken, UnkToken, ClsToken, SepToken, MaskToken];
}
