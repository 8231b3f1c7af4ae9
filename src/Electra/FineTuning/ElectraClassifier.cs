using Electra.Interop;
using Electra.Modeling;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.FineTuning;

/// <summary>
/// An ELECTRA encoder with a task head: <see cref="ElectraForSequenceClassification"/> or
/// <see cref="ElectraForTokenClassification"/>. ids/mask/types [B, T] → logits [B, C] or [B, T, C] (regression: [B, 1]).
/// Built at random (the "no pre-training" baseline), from any pre-trained ELECTRA folder (discriminator or
/// generator, ours or HF's: the <c>electra.*</c> tensors are taken and the pre-training heads ignored), or from a
/// fine-tuned folder saved by <see cref="Save"/> (HF layout, loadable by <c>transformers</c>).
/// </summary>
public abstract class ElectraClassifier : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    /// <summary>Names the module and records the architecture with the labels as <c>id2label</c>.</summary>
    protected ElectraClassifier(string name, ElectraConfig config, LabelSet labels) : base(name)
    {
        Labels = labels;
        Config = labels.ApplyTo(config.Validate());
    }

    /// <summary>The architecture, with <c>id2label</c>/<c>label2id</c> of <see cref="Labels"/>.</summary>
    public ElectraConfig Config { get; }

    /// <summary>The classes, by id.</summary>
    public LabelSet Labels { get; }

    /// <summary>Whether the head labels texts or words.</summary>
    public abstract TaskKind Kind { get; }

    /// <summary>The encoder (keys <c>electra.*</c>).</summary>
    public abstract ElectraModel Electra { get; }

    /// <summary>HF's class name, written to <c>architectures</c>.</summary>
    public string Architecture => ArchitectureOf(Kind);

    static string ArchitectureOf(TaskKind kind) => kind switch
    {
        TaskKind.Sequence or TaskKind.Regression => nameof(ElectraForSequenceClassification),
        TaskKind.Token => nameof(ElectraForTokenClassification),
        _ => throw new ArgumentException($"a {kind.ToString().ToLowerInvariant()} task has no classifier head"),
    };

    /// <summary>
    /// A randomly initialised classifier of <paramref name="kind"/> (seed torch first for a reproducible draw); a
    /// regression head takes <see cref="LabelSet.Regression"/>.
    /// </summary>
    public static ElectraClassifier Create(TaskKind kind, ElectraConfig config, LabelSet labels)
    {
        if (labels.IsRegression != (kind == TaskKind.Regression))
            throw new ArgumentException($"a {kind.ToString().ToLowerInvariant()} head cannot take the labels [{string.Join(", ", labels.Names)}]{(labels.IsRegression ? " of a regression task" : "")}");
        return kind == TaskKind.Token ? new ElectraForTokenClassification(config, labels) : new ElectraForSequenceClassification(config, labels);
    }

    /// <summary>
    /// A classifier whose encoder comes from the pre-trained folder <paramref name="dir"/> (its <c>config.json</c>
    /// decides the shape) and whose head is initialised fresh. Every encoder tensor must be in the file with the
    /// right shape (all or nothing, each problem listed); keys outside <c>electra.*</c> are ignored and reported.
    /// </summary>
    public static (ElectraClassifier Model, TransferReport Report) FromPretrained(string dir, TaskKind kind, LabelSet labels)
    {
        var model = Create(kind, Pretrained.ReadConfig(dir), labels);
        return ModelBuild.Fill(model, m => (m, TransferReport.LoadEncoder(m, m.Electra, dir)));
    }

    /// <summary>Loads a fine-tuned folder written by <see cref="Save"/> (or by HF's <c>save_pretrained</c>), all or nothing.</summary>
    public static ElectraClassifier Load(string dir)
    {
        var config = Pretrained.ReadConfig(dir);
        string path = Path.Combine(dir, "config.json");
        var kinds = new[] { TaskKind.Sequence, TaskKind.Token }.Where(k => config.Architectures?.Contains(ArchitectureOf(k)) == true).ToList();
        if (kinds.Count != 1)
            throw new InvalidDataException($"{path}: architectures [{string.Join(", ", config.Architectures ?? Array.Empty<string>())}] is not a fine-tuned classifier ({ArchitectureOf(TaskKind.Sequence)} or {ArchitectureOf(TaskKind.Token)})");
        var labels = LabelSet.FromConfig(config, path);
        return Pretrained.LoadNew(Create(kinds[0] == TaskKind.Sequence && labels.IsRegression ? TaskKind.Regression : kinds[0], config, labels), dir);
    }

    /// <summary>
    /// Writes an HF folder: <c>config.json</c> (<c>architectures</c>, <c>id2label</c>, <c>label2id</c>),
    /// <c>model.safetensors</c>, and the tokenizer files of <paramref name="tokenizerDir"/>; atomic as a whole.
    /// </summary>
    public void Save(string dir, string tokenizerDir) => Pretrained.Save(this, Config, Architecture, dir, tokenizerDir);

    /// <summary>
    /// The tokenizer of a model folder (<c>vocab.txt</c> and <c>tokenizer_config.json</c>), checked against the
    /// model: a vocabulary of another size than <c>vocab_size</c> would index the wrong embedding rows.
    /// </summary>
    public static WordPieceTokenizer LoadTokenizer(string dir, ElectraConfig config)
    {
        if (!File.Exists(Path.Combine(dir, "vocab.txt")))
            throw new FileNotFoundException($"{dir}: no vocab.txt (the model folder must hold its tokenizer)");
        var tokenizer = WordPieceTokenizer.Load(dir);
        CheckTokenizer(TokenizerAdapter.Create(tokenizer), config, Path.Combine(dir, "vocab.txt"));
        return tokenizer;
    }

    /// <summary>
    /// Refuses a tokenizer (named by <paramref name="source"/>) whose vocabulary is not the model's: another size than
    /// <c>vocab_size</c> would index the wrong embedding rows, another <c>[PAD]</c> id would be attended to.
    /// </summary>
    internal static TokenizerAdapter CheckTokenizer(TokenizerAdapter tokenizer, ElectraConfig config, string source)
    {
        if (tokenizer.VocabSize != config.VocabSize)
            throw new InvalidDataException($"{source} has {tokenizer.VocabSize} tokens but the model's config.json has vocab_size {config.VocabSize}: the tokenizer does not belong to this model");
        if (tokenizer.PadId != config.PadTokenId)
            throw new InvalidDataException($"{source}: the tokenizer's [PAD] id {tokenizer.PadId} is not the model's pad_token_id {config.PadTokenId}");
        return tokenizer;
    }
}
