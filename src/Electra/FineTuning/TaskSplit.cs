using Electra.Tokenization;

namespace Electra.FineTuning;

/// <summary>
/// The examples of one task file: texts from a <c>.tsv</c> file (<see cref="TaskKind.Sequence"/>) or sentences from a
/// <c>.conll</c> file (<see cref="TaskKind.Token"/>).
/// </summary>
public sealed class TaskSplit
{
    TaskSplit(string path, IReadOnlyList<SequenceExample>? texts, IReadOnlyList<TokenExample>? sentences)
    {
        Path = path;
        Texts = texts;
        Sentences = sentences;
    }

    /// <summary>The file the examples came from (error messages name it).</summary>
    public string Path { get; }

    /// <summary>Sequence examples, or null for a token task.</summary>
    public IReadOnlyList<SequenceExample>? Texts { get; }

    /// <summary>Token examples, or null for a sequence task.</summary>
    public IReadOnlyList<TokenExample>? Sentences { get; }

    /// <summary>
    /// Texts held in memory (an ML.NET <c>IDataView</c>, say); <paramref name="source"/> stands in for the file name
    /// in error messages and each example's <see cref="SequenceExample.Line"/> for its line.
    /// </summary>
    public static TaskSplit FromTexts(string source, IReadOnlyList<SequenceExample> texts) => new(source, texts, null);

    /// <summary>Sentences held in memory, as <see cref="FromTexts"/>.</summary>
    public static TaskSplit FromSentences(string source, IReadOnlyList<TokenExample> sentences) => new(source, null, sentences);

    /// <summary>Which head the file is for.</summary>
    public TaskKind Kind => Texts is not null ? TaskKind.Sequence : TaskKind.Token;

    /// <summary>Number of texts or sentences.</summary>
    public int Count => Texts?.Count ?? Sentences!.Count;

    /// <summary>Whether the file holds gold labels (training and evaluation files must).</summary>
    public bool HasLabels => Texts is not null ? Texts.Count > 0 && Texts[0].Label is not null : Sentences!.Count > 0 && Sentences[0].Tags is not null;

    /// <summary>The kind a file extension stands for: <c>.tsv</c> or <c>.conll</c>.</summary>
    public static TaskKind KindOf(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".tsv" => TaskKind.Sequence,
        ".conll" => TaskKind.Token,
        _ => throw new InvalidDataException($"{path}: unknown task file type (expected .tsv for texts or .conll for tokens)"),
    };

    /// <summary>Reads a <c>.tsv</c> or <c>.conll</c> file; <paramref name="requireLabels"/> false admits files without labels.</summary>
    public static TaskSplit Read(string path, bool requireLabels = true)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such task file");
        return KindOf(path) == TaskKind.Sequence
            ? new TaskSplit(path, TsvTaskReader.Read(path, requireLabels), null)
            : new TaskSplit(path, null, ConllTaskReader.Read(path, requireLabels));
    }

    /// <summary>Every gold label with its line (a token's own line), in file order.</summary>
    public IEnumerable<(string Label, int Line)> GoldLabels() => Texts is not null
        ? Texts.Where(t => t.Label is not null).Select(t => (t.Label!, t.Line))
        : Sentences!.Where(s => s.Tags is not null).SelectMany(s => s.Tags!.Select((tag, i) => (tag, s.Line + i)));

    /// <summary>Throws naming file, line and label for the first gold label outside <paramref name="labels"/>.</summary>
    public void CheckLabels(LabelSet labels)
    {
        foreach (var (label, line) in GoldLabels()) labels.IdOf(label, Path, line);
    }

    /// <summary>At most <paramref name="count"/> examples (<see cref="FineTuning.Subsample.Of{T}"/>); this split when none is left out.</summary>
    internal TaskSplit Subsample(int? count, int seed) => count is not int n || n >= Count ? this :
        new(Path, Texts is null ? null : FineTuning.Subsample.Of(Texts, count, seed), Sentences is null ? null : FineTuning.Subsample.Of(Sentences, count, seed));

    /// <summary>
    /// Encodes every example in parallel: texts as <c>[CLS] A [SEP] (B [SEP])</c> truncated longest-first to
    /// <paramref name="maxLength"/> tokens; sentences word by word with the label on each word's first piece, word
    /// pieces beyond <paramref name="maxLength"/> − 1 dropped (their words then score as wrong). Unknown gold labels
    /// are an error naming file and line; with <see cref="LabelSet.Regression"/> texts carry their value as the target.
    /// <paramref name="tokenizer"/> is any Microsoft.ML.Tokenizers tokenizer whose vocabulary has the special tokens
    /// (<see cref="TokenizerAdapter"/>; Electra's <see cref="WordPieceTokenizer"/> gives HF's ids).
    /// </summary>
    /// <exception cref="ArgumentException">The tokenizer's vocabulary lacks a special token (named) or cannot be read.</exception>
    public EncodedExample[] Encode(Microsoft.ML.Tokenizers.Tokenizer tokenizer, LabelSet labels, int maxLength) =>
        Encode(TokenizerAdapter.Create(tokenizer), labels, maxLength);

    internal EncodedExample[] Encode(TokenizerAdapter tokenizer, LabelSet labels, int maxLength)
    {
        if (maxLength < 3) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "max length must be at least 3 ([CLS] x [SEP])");
        CheckLabels(labels);
        var result = new EncodedExample[Count];
        var options = new EncodeOptions { MaxLength = maxLength };
        Parallel.For(0, Count, i =>
        {
            if (Texts is not null)
            {
                var t = Texts[i];
                var (ids, types) = tokenizer.Encode(t.Text, t.TextB, options);
                int gold = t.Label is null ? -1 : labels.IdOf(t.Label, Path, t.Line);
                double target = t.Label is not null && labels.IsRegression ? labels.ValueOf(t.Label, Path, t.Line) : double.NaN;
                result[i] = new EncodedExample(ids, types, new[] { 0 }, new[] { gold }, target);
            }
            else result[i] = EncodeSentence(Sentences![i], tokenizer, labels, maxLength);
        });
        return result;
    }

    EncodedExample EncodeSentence(TokenExample s, TokenizerAdapter tokenizer, LabelSet labels, int maxLength)
    {
        var ids = new List<int>(maxLength) { tokenizer.ClsId };
        var positions = new int[s.Words.Count];
        var gold = new int[s.Words.Count];
        for (int w = 0; w < s.Words.Count; w++)
        {
            gold[w] = s.Tags is null ? -1 : labels.IdOf(s.Tags[w], Path, s.Line + w);
            int[] pieces = ids.Count < maxLength - 1 ? tokenizer.TokenizeToIds(s.Words[w]) : Array.Empty<int>();
            positions[w] = pieces.Length > 0 ? ids.Count : -1;
            ids.AddRange(pieces.Take(maxLength - 1 - ids.Count));
        }
        ids.Add(tokenizer.SepId);
        return new EncodedExample(ids.ToArray(), new int[ids.Count], positions, gold);
    }
}
