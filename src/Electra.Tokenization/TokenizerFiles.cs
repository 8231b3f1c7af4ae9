using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Electra.Tokenization;

/// <summary>
/// HF's on-disk layout of a BERT-style tokenizer: <c>vocab.txt</c> (one token per line, id = line index) and
/// <c>tokenizer_config.json</c> (snake_case options), or the fast tokenizer's single <c>tokenizer.json</c>.
/// </summary>
static class TokenizerFiles
{
    /// <summary>File name of the vocabulary.</summary>
    public const string VocabFileName = "vocab.txt";

    /// <summary>File name of the options.</summary>
    public const string ConfigFileName = "tokenizer_config.json";

    /// <summary>File name of HF's fast-tokenizer serialization.</summary>
    public const string TokenizerJsonFileName = "tokenizer.json";

    /// <summary>Reads <c>vocab.txt</c>; every line, empty or repeated, is a token so ids stay line indices as in HF's <c>load_vocab</c>.</summary>
    public static string[] ReadVocabulary(string path)
    {
        var tokens = Utf8Lines.Read(path).ToArray();
        if (tokens.Length == 0) throw new InvalidDataException($"{path}: the vocabulary file is empty");
        return tokens;
    }

    /// <summary>Reads the keys of <c>tokenizer_config.json</c> this tokenizer understands; the others are ignored.</summary>
    public static TokenizerOptions ReadOptions(string path)
    {
        var o = ReadJsonObject(path);
        var d = new TokenizerOptions();
        return new TokenizerOptions
        {
            DoLowerCase = Bool(o, "do_lower_case", path) ?? d.DoLowerCase,
            StripAccents = Bool(o, "strip_accents", path),
            TokenizeChineseChars = Bool(o, "tokenize_chinese_chars", path) ?? d.TokenizeChineseChars,
            PadToken = Token(o, "pad_token", path) ?? d.PadToken,
            UnkToken = Token(o, "unk_token", path) ?? d.UnkToken,
            ClsToken = Token(o, "cls_token", path) ?? d.ClsToken,
            SepToken = Token(o, "sep_token", path) ?? d.SepToken,
            MaskToken = Token(o, "mask_token", path) ?? d.MaskToken,
            ModelMaxLength = MaxLength(o, path) ?? d.ModelMaxLength,
            CleanUpTokenizationSpaces = Bool(o, "clean_up_tokenization_spaces", path) ?? d.CleanUpTokenizationSpaces,
            NeverSplit = NeverSplit(o, path),
        };
    }

    /// <summary>
    /// <c>never_split</c> (BertTokenizer's list) and the non-special entries of <c>added_tokens_decoder</c> (what HF's
    /// <c>add_tokens</c> saves), in that order, each once.
    /// </summary>
    static string[] NeverSplit(JsonObject o, string path)
    {
        var tokens = new List<string>();
        switch (o["never_split"])
        {
            case null:
                break;
            case JsonArray list:
                foreach (var item in list)
                    tokens.Add(item is JsonValue v && v.TryGetValue(out string? s) ? s : throw new InvalidDataException($"{path}: \"never_split\" must be a list of strings, got {item?.ToJsonString() ?? "null"}"));
                break;
            case var other:
                throw new InvalidDataException($"{path}: \"never_split\" must be a list of strings or null, got {other.ToJsonString()}");
        }
        if (o["added_tokens_decoder"] is JsonObject added)
            foreach (var (id, entry) in added)
            {
                if (entry is not JsonObject e) throw new InvalidDataException($"{path}: \"added_tokens_decoder\" entry {id} must be an object");
                if (Bool(e, "special", path) != true)
                    tokens.Add(Token(e, "content", path) ?? throw new InvalidDataException($"{path}: \"added_tokens_decoder\" entry {id} has no \"content\""));
            }
        return tokens.Count == 0 ? [] : tokens.Distinct(StringComparer.Ordinal).ToArray(); // [] is the default's instance: options compare equal
    }

    /// <summary>
    /// Reads a <c>tokenizer.json</c> of a WordPiece model: the vocabulary (model vocab and added tokens, by id) and the
    /// options of its <c>BertNormalizer</c>, <c>BertPreTokenizer</c>, post-processor and decoder, over
    /// <paramref name="baseOptions"/> (the <c>tokenizer_config.json</c> beside it, which alone names the mask token).
    /// Anything this tokenizer would not reproduce exactly (another model type, normalizer or pre-tokenizer, another
    /// continuation prefix or word limit, <c>clean_text: false</c>) is refused with the file's name.
    /// </summary>
    public static (string[] Tokens, TokenizerOptions Options) ReadTokenizerJson(string path, TokenizerOptions baseOptions)
    {
        var root = ReadJsonObject(path);
        InvalidDataException Refuse(string what) => new($"{path}: {what}; Electra's WordPieceTokenizer reads BERT/ELECTRA WordPiece tokenizers only");
        if (root["model"] is not JsonObject model) throw Refuse("no \"model\" object");
        string? type = Str(model, "type", path);
        if (type != "WordPiece") throw Refuse($"model type \"{type}\" is not WordPiece");
        if (Str(model, "continuing_subword_prefix", path) is string prefix && prefix != WordPieceVocabulary.ContinuationPrefix)
            throw Refuse($"continuing_subword_prefix \"{prefix}\" is not \"{WordPieceVocabulary.ContinuationPrefix}\"");
        if (model["max_input_chars_per_word"] is JsonValue max && (!max.TryGetValue(out int m) || m != WordPieceTokenizer.MaxInputCharsPerWord))
            throw Refuse($"max_input_chars_per_word {max.ToJsonString()} is not {WordPieceTokenizer.MaxInputCharsPerWord}");
        if (model["vocab"] is not JsonObject vocab) throw Refuse("the model has no \"vocab\" object");

        var byId = new SortedDictionary<int, string>();
        void Put(string token, JsonNode? idNode)
        {
            if (idNode is not JsonValue v || !v.TryGetValue(out int id) || id < 0)
                throw new InvalidDataException($"{path}: token \"{token}\" has id {idNode?.ToJsonString() ?? "null"}, expected a non-negative integer");
            if (byId.TryGetValue(id, out string? other) && other != token)
                throw new InvalidDataException($"{path}: id {id} is both \"{other}\" and \"{token}\"");
            byId[id] = token;
        }
        foreach (var (token, id) in vocab) Put(token, id);
        if (root["added_tokens"] is JsonArray added)
            foreach (var a in added.OfType<JsonObject>())
                Put(Str(a, "content", path) ?? throw new InvalidDataException($"{path}: an added token has no \"content\""), a["id"]);
        if (byId.Count == 0) throw new InvalidDataException($"{path}: the vocabulary is empty");
        if (byId.Keys.Last() != byId.Count - 1)
            throw new InvalidDataException($"{path}: ids are not 0..{byId.Count - 1} (id {Enumerable.Range(0, byId.Count).First(i => !byId.ContainsKey(i))} is missing)");

        var options = baseOptions with { UnkToken = Str(model, "unk_token", path) ?? baseOptions.UnkToken };
        switch (root["normalizer"])
        {
            case JsonObject n when Str(n, "type", path) == "BertNormalizer":
                if (Bool(n, "clean_text", path) == false) throw Refuse("BertNormalizer clean_text false is not supported");
                options = options with
                {
                    DoLowerCase = Bool(n, "lowercase", path) ?? true,
                    StripAccents = Bool(n, "strip_accents", path),
                    TokenizeChineseChars = Bool(n, "handle_chinese_chars", path) ?? true,
                };
                break;
            case var other:
                throw Refuse($"normalizer {other?.ToJsonString() ?? "null"} is not a BertNormalizer");
        }
        if (root["pre_tokenizer"] is not JsonObject pre || Str(pre, "type", path) != "BertPreTokenizer")
            throw Refuse($"pre_tokenizer {root["pre_tokenizer"]?.ToJsonString() ?? "null"} is not a BertPreTokenizer");
        if (root["post_processor"] is JsonObject post)
        {
            // BertProcessing: {"cls": ["[CLS]", 101], "sep": ["[SEP]", 102]}; TemplateProcessing: single = [CLS] $A [SEP].
            if (post["cls"] is JsonArray cls && post["sep"] is JsonArray sep)
                options = options with { ClsToken = (string?)cls[0] ?? options.ClsToken, SepToken = (string?)sep[0] ?? options.SepToken };
            else if (post["single"] is JsonArray single)
            {
                var specials = single.OfType<JsonObject>().Select(p => p["SpecialToken"]?["id"]).OfType<JsonValue>().Select(v => (string?)v).ToArray();
                if (specials.Length == 2) options = options with { ClsToken = specials[0] ?? options.ClsToken, SepToken = specials[1] ?? options.SepToken };
            }
        }
        if (root["padding"] is JsonObject padding && Str(padding, "pad_token", path) is string pad) options = options with { PadToken = pad };
        if (root["decoder"] is JsonObject decoder && Bool(decoder, "cleanup", path) is bool cleanup) options = options with { CleanUpTokenizationSpaces = cleanup };
        return (byId.Values.ToArray(), options);
    }

    static JsonObject ReadJsonObject(string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path, System.Text.Encoding.UTF8));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        return root as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object");
    }

    static string? Str(JsonObject o, string key, string path) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        var other => throw new InvalidDataException($"{path}: \"{key}\" must be a string, got {other.ToJsonString()}"),
    };

    static bool? Bool(JsonObject o, string key, string path) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out bool b) => b,
        var other => throw new InvalidDataException($"{path}: \"{key}\" must be true, false or null, got {other.ToJsonString()}"),
    };

    /// <summary>A special token: a string, or an AddedToken object with a "content" string.</summary>
    static string? Token(JsonObject o, string key, string path) => o[key] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        JsonObject added when added["content"] is JsonValue c && c.TryGetValue(out string? s) => s,
        var other => throw new InvalidDataException($"{path}: \"{key}\" must be a string or {{\"content\": string}}, got {other.ToJsonString()}"),
    };

    /// <summary><c>model_max_length</c>; HF writes 1e30 for "no limit", which becomes <see cref="int.MaxValue"/>.</summary>
    static int? MaxLength(JsonObject o, string path)
    {
        if (o["model_max_length"] is not JsonValue v) return null;
        if (!v.TryGetValue(out double d) || d < 1)
            throw new InvalidDataException($"{path}: \"model_max_length\" must be a positive number, got {v.ToJsonString()}");
        return d >= int.MaxValue ? int.MaxValue : (int)d;
    }

    /// <summary>Writes both files into <paramref name="folder"/>, each to a temporary name first, then renamed.</summary>
    public static void Write(string folder, IReadOnlyList<string> tokens, TokenizerOptions options)
    {
        Directory.CreateDirectory(folder);
        var vocab = new StringBuilder();
        foreach (string t in tokens) vocab.Append(t).Append('\n');
        var config = new JsonObject
        {
            ["tokenizer_class"] = "ElectraTokenizer",
            ["do_lower_case"] = options.DoLowerCase,
            ["strip_accents"] = options.StripAccents,
            ["tokenize_chinese_chars"] = options.TokenizeChineseChars,
            ["pad_token"] = options.PadToken,
            ["unk_token"] = options.UnkToken,
            ["cls_token"] = options.ClsToken,
            ["sep_token"] = options.SepToken,
            ["mask_token"] = options.MaskToken,
            ["model_max_length"] = options.ModelMaxLength,
            ["clean_up_tokenization_spaces"] = options.CleanUpTokenizationSpaces,
        };
        if (options.NeverSplit.Count > 0)
        {
            config["never_split"] = new JsonArray([.. options.NeverSplit.Select(t => JsonValue.Create(t))]);
            var added = new JsonObject();
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int id = 0; id < tokens.Count; id++) ids[tokens[id]] = id; // a repeated token maps to its last id, as in HF
            foreach (string t in options.NeverSplit.Where(ids.ContainsKey))
                added[ids[t].ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
                {
                    ["content"] = t, ["lstrip"] = false, ["normalized"] = false, ["rstrip"] = false, ["single_word"] = false, ["special"] = false,
                };
            config["added_tokens_decoder"] = added;
        }
        WriteAtomically(Path.Combine(folder, VocabFileName), vocab.ToString());
        WriteAtomically(Path.Combine(folder, ConfigFileName), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    static void WriteAtomically(string path, string content)
    {
        string temp = path + ".tmp";
        File.WriteAllText(temp, content, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temp, path, overwrite: true);
    }
}
