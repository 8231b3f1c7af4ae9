using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Electra.Tokenization;

/// <summary>
/// HF's on-disk layout of a BERT-style tokenizer: <c>vocab.txt</c> (one token per line, id = line index) and
/// <c>tokenizer_config.json</c> (snake_case options).
/// </summary>
static class TokenizerFiles
{
    /// <summary>File name of the vocabulary.</summary>
    public const string VocabFileName = "vocab.txt";

    /// <summary>File name of the options.</summary>
    public const string ConfigFileName = "tokenizer_config.json";

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
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path, System.Text.Encoding.UTF8));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        if (root is not JsonObject o) throw new InvalidDataException($"{path}: expected a JSON object");
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
