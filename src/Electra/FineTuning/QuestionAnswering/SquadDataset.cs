using System.Text.Json;
using Electra.IO;

namespace Electra.FineTuning.QuestionAnswering;

/// <summary>
/// A SQuAD v1.1 / v2.0 JSON file (<c>{"version", "data": [{"title", "paragraphs": [{"context", "qas": [{"id",
/// "question", "answers": [{"text", "answer_start"}], "is_impossible"}]}]}]}</c>), checked as it is read: malformed
/// JSON, a missing field, a duplicate id, or an <c>answer_start</c> that does not point at the answer's text is an
/// error naming the file and the question id.
/// </summary>
/// <param name="Path">The file read.</param>
/// <param name="Examples">Every question, in file order.</param>
/// <param name="IsVersion2">SQuAD 2.0: <c>version</c> starts with <c>v2</c> or some question is <c>is_impossible</c>.</param>
public sealed record SquadDataset(string Path, IReadOnlyList<SquadExample> Examples, bool IsVersion2)
{
    /// <summary>Whether every question has gold answers (or is marked unanswerable), so predictions can be scored.</summary>
    public bool HasGold => Examples.All(e => e.HasGold);

    /// <summary>Reads and checks <paramref name="path"/>; with <paramref name="requireGold"/>, every question must have answers or be unanswerable.</summary>
    public static SquadDataset Read(string path, bool requireGold = true)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(Utf8LineReader.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({Utf8LineReader.Quote(e.Message, 300)})", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{path}: not a SQuAD file (expected an object with a \"data\" array)");
            bool v2 = root.TryGetProperty("version", out var version) && version.ValueKind == JsonValueKind.String
                && version.GetString()!.StartsWith("v2", StringComparison.OrdinalIgnoreCase);
            var examples = new List<SquadExample>();
            var ids = new HashSet<string>(StringComparer.Ordinal);
            int articleIndex = 0;
            foreach (var article in data.EnumerateArray())
            {
                string where = $"{path}: data[{articleIndex}]";
                int paragraphIndex = 0;
                foreach (var paragraph in Array(article, "paragraphs", where))
                {
                    string at = $"{where}.paragraphs[{paragraphIndex++}]";
                    string context = String(paragraph, "context", at);
                    foreach (var qa in Array(paragraph, "qas", at))
                    {
                        var example = ReadQuestion(qa, context, path, at);
                        if (!ids.Add(example.Id)) throw new InvalidDataException($"{path}: question {example.Id}: the id occurs twice");
                        if (requireGold && !example.HasGold)
                            throw new InvalidDataException($"{path}: question {example.Id}: no answers and not is_impossible (training and dev files need gold answers)");
                        v2 |= example.IsImpossible;
                        examples.Add(example);
                    }
                }
                articleIndex++;
            }
            if (examples.Count == 0) throw new InvalidDataException($"{path}: no questions");
            return new SquadDataset(path, examples, v2);
        }
    }

    static SquadExample ReadQuestion(JsonElement qa, string context, string path, string at)
    {
        string id = qa.ValueKind == JsonValueKind.Object && qa.TryGetProperty("id", out var idElement)
            ? idElement.ValueKind switch
            {
                JsonValueKind.String => idElement.GetString()!,
                JsonValueKind.Number => idElement.GetRawText(),
                _ => throw new InvalidDataException($"{at}: a question's \"id\" must be a string"),
            }
            : throw new InvalidDataException($"{at}: a question without an \"id\"");
        string where = $"{path}: question {id}";
        string question = String(qa, "question", where);
        if (string.IsNullOrWhiteSpace(question)) throw new InvalidDataException($"{where}: empty question");
        bool impossible = qa.TryGetProperty("is_impossible", out var flag) && flag.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"{where}: \"is_impossible\" must be true or false"),
        };
        var answers = new List<SquadAnswer>();
        if (qa.TryGetProperty("answers", out var list))
        {
            if (list.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{where}: \"answers\" must be an array");
            foreach (var a in list.EnumerateArray())
            {
                string text = String(a, "text", where);
                if (!a.TryGetProperty("answer_start", out var s) || !s.TryGetInt32(out int start))
                    throw new InvalidDataException($"{where}: answer '{text}' has no integer \"answer_start\"");
                if (text.Trim().Length == 0) throw new InvalidDataException($"{where}: an empty answer text (an unanswerable question has \"answers\": [] and \"is_impossible\": true)");
                if (start < 0 || start + text.Length > context.Length || string.CompareOrdinal(context, start, text, 0, text.Length) != 0)
                {
                    string found = start >= 0 && start < context.Length ? context.Substring(start, Math.Min(text.Length, context.Length - start)) : "";
                    throw new InvalidDataException($"{where}: answer_start {start} does not point at the answer '{text}' (the context has '{found}' there)");
                }
                answers.Add(new SquadAnswer(text, start));
            }
        }
        if (impossible && answers.Count > 0) throw new InvalidDataException($"{where}: is_impossible but {answers.Count} answer(s) given");
        return new SquadExample(id, question, context, answers, impossible);
    }

    static string String(JsonElement e, string name, string where) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new InvalidDataException($"{where}: no string \"{name}\"");

    static JsonElement.ArrayEnumerator Array(JsonElement e, string name, string where) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray()
            : throw new InvalidDataException($"{where}: no \"{name}\" array");

    /// <summary>Writes examples as a SQuAD JSON file (one article, one paragraph per distinct context), atomically.</summary>
    public static void Write(string path, IReadOnlyList<SquadExample> examples, bool version2, string title = "generated")
    {
        var paragraphs = examples.GroupBy(e => e.Context).Select(g => new
        {
            context = g.Key,
            qas = g.Select(e => new
            {
                id = e.Id,
                question = e.Question,
                answers = e.Answers.Select(a => new { text = a.Text, answer_start = a.Start }),
                is_impossible = e.IsImpossible,
            }),
        });
        var file = new { version = version2 ? "v2.0" : "1.1", data = new[] { new { title, paragraphs } } };
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(file, new JsonSerializerOptions { WriteIndented = false }));
    }
}
