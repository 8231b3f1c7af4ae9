using System.Text.Json;
using Electra.FineTuning.Prediction;
using Electra.FineTuning.QuestionAnswering;
using Electra.Tokenization;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntime;
using Encoding = Electra.Tokenization.Encoding;

namespace Electra.Onnx;

/// <summary>
/// An ELECTRA folder exported by <c>electra export-onnx</c> (<c>model.onnx</c>, <c>config.json</c>, <c>vocab.txt</c>,
/// <c>tokenizer_config.json</c>), served on ONNX Runtime without TorchSharp: tokenize, batch with padding, run, and read
/// what the head means (<see cref="ReplacedTokenProbabilities"/>, <see cref="Classify"/>, <see cref="LabelWords"/>,
/// <c>Answer</c>, <see cref="FillMask"/>, <see cref="Rerank"/>, <see cref="Embed"/>), or the raw outputs through
/// <see cref="Run(long[], long[], long[], int, int)"/>. A sentence-embedding export (an <c>ElectraModel</c> bi-encoder
/// folder) is a Microsoft.Extensions.AI <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>. A fine-tuned classifier
/// or question-answering export is an <see cref="IFineTunedEncoder"/>: the runtime <c>Predictor</c> (Electra.TorchSharp)
/// labels and answers files with, as <c>electra predict --runtime onnx</c> does.
/// </summary>
/// <remarks>
/// Thread-safe: one instance holds one <see cref="InferenceSession"/>, which ONNX Runtime allows any number of threads
/// to run concurrently, and a tokenizer that is thread-safe too; create it once per model and share it (a session
/// costs the model's size in memory and a graph optimisation pass to create). Dispose it when done.
/// </remarks>
public sealed class ElectraOnnxModel : IEmbeddingGenerator<string, Embedding<float>>, IFineTunedEncoder
{
    /// <summary>
    /// Word pieces per text of a sentence-embedding folder unless <see cref="OnnxModelOptions.MaxLength"/> says otherwise:
    /// the default of <c>electra embed</c> and of the TorchSharp <c>SentenceEncoder</c>, so the vectors agree.
    /// </summary>
    public const int DefaultEmbeddingMaxLength = 128;

    static readonly string[] InputNames = ["input_ids", "attention_mask", "token_type_ids"];

    static readonly Dictionary<string, OnnxHead> Heads = new(StringComparer.Ordinal)
    {
        ["ElectraForPreTraining"] = OnnxHead.ReplacedTokenDetection,
        ["ElectraForMaskedLM"] = OnnxHead.MaskedLanguageModel,
        ["ElectraForSequenceClassification"] = OnnxHead.SequenceClassification,
        ["ElectraForTokenClassification"] = OnnxHead.TokenClassification,
        ["ElectraForQuestionAnswering"] = OnnxHead.QuestionAnswering,
        ["ElectraModel"] = OnnxHead.SentenceEmbedding,
    };

    readonly InferenceSession session;
    readonly SessionOptions sessionOptions;
    readonly string[] outputNames;
    readonly WordPieceTokenizer? tokenizer;
    readonly OnnxModelOptions options;
    readonly string folder;

    ElectraOnnxModel(string folder, InferenceSession session, SessionOptions sessionOptions, OnnxHead head, string architecture,
        IReadOnlyList<string> labels, int maxPositions, int vocabSize, int typeVocabSize, WordPieceTokenizer? tokenizer, OnnxModelOptions options,
        QuestionAnsweringOptions? questionAnswering)
    {
        QuestionAnswering = questionAnswering;
        this.folder = folder;
        this.session = session;
        this.sessionOptions = sessionOptions;
        this.tokenizer = tokenizer;
        this.options = options;
        Head = head;
        Architecture = architecture;
        Labels = labels;
        MaxPositions = maxPositions;
        VocabSize = vocabSize;
        TypeVocabSize = typeVocabSize;
        MaxLength = options.MaxLength ?? Math.Min(head == OnnxHead.SentenceEmbedding ? DefaultEmbeddingMaxLength : 512, maxPositions);
        outputNames = head switch
        {
            OnnxHead.QuestionAnswering => ["start_logits", "end_logits"],
            OnnxHead.SentenceEmbedding => ["sentence_embedding"],
            _ => ["logits"],
        };
    }

    /// <summary>The head of the folder.</summary>
    public OnnxHead Head { get; }

    /// <summary>The HF class name from <c>config.json</c>.</summary>
    public string Architecture { get; }

    /// <summary>Class names by id (<c>id2label</c>); empty for heads without classes.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary><c>max_position_embeddings</c>: no encoding may be longer.</summary>
    public int MaxPositions { get; }

    /// <summary><c>vocab_size</c>: every input id must be below it.</summary>
    public int VocabSize { get; }

    /// <summary><c>type_vocab_size</c> (HF's default 2 when the config omits it): every token type id must be below it.</summary>
    public int TypeVocabSize { get; }

    /// <summary>Longest encoding the text methods produce (<see cref="OnnxModelOptions.MaxLength"/>).</summary>
    public int MaxLength { get; }

    /// <summary>
    /// Question answering only (else null): windowing, n-best decoding and SQuAD 2.0's no-answer threshold, from the
    /// folder's <c>question_answering.json</c> as fine-tuning chose them (google's defaults without the file) or
    /// <see cref="OnnxModelOptions.QuestionAnswering"/>; the window is capped at <see cref="MaxPositions"/>.
    /// </summary>
    public QuestionAnsweringOptions? QuestionAnswering { get; }

    /// <summary>The folder's tokenizer; throws when the folder has no <c>vocab.txt</c>.</summary>
    public WordPieceTokenizer Tokenizer => tokenizer ?? throw new InvalidOperationException($"{folder}: no vocab.txt, so texts cannot be tokenized (Run takes ids)");

    /// <summary>
    /// Opens an exported folder: reads <c>config.json</c> (head, labels, sizes), the tokenizer when <c>vocab.txt</c> is
    /// there (checked against <c>vocab_size</c>), and creates the session, checking its inputs and outputs.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="FileNotFoundException">No <c>model.onnx</c> or <c>config.json</c>.</exception>
    /// <exception cref="InvalidDataException">The config, tokenizer or graph does not describe an exported ELECTRA head.</exception>
    /// <exception cref="NotSupportedException">CUDA was asked for and this ONNX Runtime build has no CUDA provider.</exception>
    public static ElectraOnnxModel Load(string dir, OnnxModelOptions? options = null)
    {
        options ??= new OnnxModelOptions();
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be ≥ 1");
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no such model folder");
        string modelPath = Path.Combine(dir, "model.onnx");
        string configPath = Path.Combine(dir, "config.json");
        if (!File.Exists(modelPath))
        {
            // An HF folder is exported into a folder of its own (export-onnx refuses to write into the model folder).
            string export = Path.TrimEndingDirectorySeparator(dir) + "-onnx";
            throw new FileNotFoundException(File.Exists(configPath)
                ? $"{dir}: no model.onnx; this looks like a model folder: export it with `electra export-onnx --model {dir} --out {export}` and pass {export}"
                : $"{dir}: no model.onnx (a folder written by `electra export-onnx --model MODEL_DIR --out {dir}`)");
        }
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{dir}: no config.json");
        var (architecture, labels, maxPositions, vocabSize, typeVocabSize, padId) = ReadConfig(configPath);
        if (!Heads.TryGetValue(architecture, out var head))
            throw new InvalidDataException($"{configPath}: architectures names {architecture}, not one of {string.Join(", ", Heads.Keys)}");
        if (head is OnnxHead.SequenceClassification or OnnxHead.TokenClassification && labels.Count == 0)
            throw new InvalidDataException($"{configPath}: a classifier needs id2label");
        if (options.MaxLength is { } max && (max < 3 || max > maxPositions))
            throw new ArgumentOutOfRangeException(nameof(options), max, $"MaxLength must be in [3, {maxPositions}] (max_position_embeddings)");
        WordPieceTokenizer? tokenizer = null;
        if (File.Exists(Path.Combine(dir, "vocab.txt")))
        {
            tokenizer = WordPieceTokenizer.Load(dir);
            if (tokenizer.VocabSize != vocabSize)
                throw new InvalidDataException($"{Path.Combine(dir, "vocab.txt")} has {tokenizer.VocabSize} tokens but {configPath} has vocab_size {vocabSize}: the tokenizer does not belong to this model");
            if (tokenizer.PadId != padId)
                throw new InvalidDataException($"{dir}: the tokenizer's [PAD] id {tokenizer.PadId} is not the model's pad_token_id {padId}");
        }

        QuestionAnsweringOptions? questionAnswering = null;
        if (head == OnnxHead.QuestionAnswering)
        {
            questionAnswering = (options.QuestionAnswering ?? QuestionAnsweringOptions.Read(dir)).Validate();
            if (questionAnswering.MaxSeqLength > maxPositions) questionAnswering = (questionAnswering with { MaxSeqLength = maxPositions }).Validate();
        }

        var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        try
        {
            if (options.IntraOpThreads is { } threads) sessionOptions.IntraOpNumThreads = threads;
            if (options.Provider == ExecutionProvider.Cuda)
            {
                try
                {
                    sessionOptions.AppendExecutionProvider_CUDA(options.CudaDeviceId);
                }
                catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException)
                {
                    throw new NotSupportedException($"the CUDA execution provider is not available ({e.Message}); reference Microsoft.ML.OnnxRuntime.Gpu instead of Microsoft.ML.OnnxRuntime and install CUDA 12 with cuDNN 9", e);
                }
            }
            InferenceSession session;
            try
            {
                session = new InferenceSession(modelPath, sessionOptions);
            }
            catch (OnnxRuntimeException e)
            {
                throw new InvalidDataException($"{modelPath}: ONNX Runtime cannot load it ({e.Message})", e);
            }
            var model = new ElectraOnnxModel(dir, session, sessionOptions, head, architecture, labels, maxPositions, vocabSize, typeVocabSize, tokenizer, options, questionAnswering);
            var missing = InputNames.Where(n => !session.InputMetadata.ContainsKey(n))
                .Concat(model.outputNames.Where(n => !session.OutputMetadata.ContainsKey(n))).ToList();
            if (missing.Count > 0)
            {
                model.Dispose();
                throw new InvalidDataException($"{modelPath}: the graph lacks {string.Join(", ", missing)} (expected an `electra export-onnx` export of {architecture})");
            }
            return model;
        }
        catch
        {
            sessionOptions.Dispose();
            throw;
        }
    }

    static (string Architecture, IReadOnlyList<string> Labels, int MaxPositions, int VocabSize, int TypeVocabSize, int PadId) ReadConfig(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            int Int(string key) => root.TryGetProperty(key, out var v) && v.TryGetInt32(out int i) ? i : throw new InvalidDataException($"{path}: no integer {key}");
            var architectures = root.TryGetProperty("architectures", out var a) && a.ValueKind == JsonValueKind.Array
                ? a.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
            var known = architectures.Where(Heads.ContainsKey).ToList();
            if (known.Count != 1) throw new InvalidDataException($"{path}: architectures [{string.Join(", ", architectures)}] names no single ELECTRA head");
            var labels = new List<string>();
            if (root.TryGetProperty("id2label", out var map) && map.ValueKind == JsonValueKind.Object)
            {
                var byId = map.EnumerateObject().ToDictionary(
                    p => int.TryParse(p.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id) ? id
                        : throw new InvalidDataException($"{path}: id2label key '{p.Name}' is not an id"),
                    p => p.Value.GetString() ?? "");
                for (int i = 0; i < byId.Count; i++)
                    labels.Add(byId.TryGetValue(i, out var name) ? name : throw new InvalidDataException($"{path}: id2label has no id {i} (ids must be 0 … {byId.Count - 1})"));
            }
            int pad = root.TryGetProperty("pad_token_id", out var p) && p.ValueKind == JsonValueKind.Number ? p.GetInt32() : 0;
            int types = root.TryGetProperty("type_vocab_size", out _) ? Int("type_vocab_size") : 2;
            return (known[0], labels, Int("max_position_embeddings"), Int("vocab_size"), types, pad);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    /// <summary>
    /// Runs the graph on row-major [<paramref name="batchSize"/>, <paramref name="sequenceLength"/>] int64 inputs and
    /// returns its outputs (<c>logits</c>, or <c>start_logits</c> and <c>end_logits</c>) as row-major floats.
    /// </summary>
    /// <exception cref="ArgumentException">A length does not match, the sequence is longer than <see cref="MaxPositions"/>, an id is outside the vocabulary or a token type id outside <see cref="TypeVocabSize"/>.</exception>
    public IReadOnlyList<OnnxOutput> Run(long[] inputIds, long[] attentionMask, long[] tokenTypeIds, int batchSize, int sequenceLength)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        long n = (long)batchSize * sequenceLength;
        if (batchSize < 1 || sequenceLength < 1) throw new ArgumentException($"batch {batchSize} × sequence {sequenceLength} is empty");
        if (inputIds.Length != n || attentionMask.Length != n || tokenTypeIds.Length != n)
            throw new ArgumentException($"inputs must hold batch × sequence = {n} values (input_ids {inputIds.Length}, attention_mask {attentionMask.Length}, token_type_ids {tokenTypeIds.Length})");
        if (sequenceLength > MaxPositions) throw new ArgumentException($"sequence length {sequenceLength} exceeds max_position_embeddings {MaxPositions}");
        foreach (long id in inputIds)
            if (id < 0 || id >= VocabSize) throw new ArgumentException($"input id {id} is outside the vocabulary [0, {VocabSize})");
        foreach (long type in tokenTypeIds)
            if (type < 0 || type >= TypeVocabSize) throw new ArgumentException($"token type id {type} is outside the segment types [0, {TypeVocabSize}) (type_vocab_size)");
        long[] shape = [batchSize, sequenceLength];
        using var ids = OrtValue.CreateTensorValueFromMemory(inputIds, shape);
        using var mask = OrtValue.CreateTensorValueFromMemory(attentionMask, shape);
        using var types = OrtValue.CreateTensorValueFromMemory(tokenTypeIds, shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, InputNames, [ids, mask, types], outputNames);
        return results.Select((r, i) => new OnnxOutput(outputNames[i], r.GetTensorDataAsSpan<float>().ToArray(),
            r.GetTensorTypeAndShape().Shape.Select(d => (int)d).ToArray())).ToList();
    }

    /// <summary>Runs the graph on a tokenizer batch (<see cref="WordPieceTokenizer.EncodeBatch"/>).</summary>
    public IReadOnlyList<OnnxOutput> Run(BatchEncoding batch) =>
        Run(batch.InputIds, batch.AttentionMask, batch.TokenTypeIds, batch.BatchSize, batch.SequenceLength);

    string IFineTunedEncoder.Folder => folder;

    /// <summary>A sequence classifier with one output: the export of a regression head (its config names one label).</summary>
    bool IFineTunedEncoder.IsRegression => Head == OnnxHead.SequenceClassification && Labels.Count == 1;

    IReadOnlyList<float[]> IFineTunedEncoder.Logits(BatchEncoding batch) => Run(batch).Select(o => o.Values).ToList();

    /// <summary>Discriminator: every token of each text with sigmoid(logit), the probability that it was replaced.</summary>
    public IReadOnlyList<TokenProbability[]> ReplacedTokenProbabilities(IReadOnlyList<string> texts)
    {
        Require(OnnxHead.ReplacedTokenDetection);
        return Batched(texts, null, (_, e, rows) => Enumerable.Range(0, Real(e))
            .Select(t => new TokenProbability(e.Tokens[t], e.Offsets[t].Start, e.Offsets[t].End, 1f / (1f + MathF.Exp(-rows[0][t])))).ToArray());
    }

    /// <summary>Sequence classification: the class of each text (or text pair, as <c>[CLS] A [SEP] B [SEP]</c>) with all class probabilities.</summary>
    public IReadOnlyList<ClassPrediction> Classify(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs = null)
    {
        Require(OnnxHead.SequenceClassification);
        return Batched(texts, pairs, (_, _, rows) =>
        {
            var p = Softmax(rows[0]);
            int best = ArgMax(p);
            return new ClassPrediction(Labels[best], p[best], p.Select((x, i) => new LabelProbability(Labels[i], x)).ToList());
        });
    }

    /// <summary>
    /// Token classification: the words of each text (a word piece and its <c>##</c> continuations, so punctuation is
    /// its own word as in CoNLL files) with the label of the word's first piece, as fine-tuning scores them.
    /// </summary>
    public IReadOnlyList<WordLabel[]> LabelWords(IReadOnlyList<string> texts)
    {
        Require(OnnxHead.TokenClassification);
        int classes = Labels.Count;
        return Batched(texts, null, (i, e, rows) =>
        {
            var words = new List<WordLabel>();
            string text = texts[i];
            int real = Real(e);
            for (int t = 1; t < real; t++)
            {
                if (e.Offsets[t].End == 0) continue; // [SEP]
                int end = t + 1;
                while (end < real && e.Tokens[end].StartsWith("##", StringComparison.Ordinal) && e.Offsets[end].Start == e.Offsets[end - 1].End) end++;
                var p = Softmax(rows[0].AsSpan(t * classes, classes).ToArray());
                int best = ArgMax(p);
                int start = e.Offsets[t].Start, stop = e.Offsets[end - 1].End;
                words.Add(new WordLabel(text[start..stop], start, stop, Labels[best], p[best]));
                t = end - 1;
            }
            return words.ToArray();
        });
    }

    /// <summary>
    /// Question answering as training and <c>electra predict</c> (TorchSharp) do it, with the same code
    /// (<see cref="QuestionAnsweringWindow"/>, <see cref="AnswerDecoder"/>) and <see cref="QuestionAnswering"/>'s settings:
    /// a long context is covered by doc-stride windows, every window's n-best start/end pairs are decoded, and with
    /// SQuAD 2.0 settings a question whose null score beats its best span by more than the threshold gets "" (no
    /// answer). A question longer than the max query length keeps its first pieces (google's rule) and is passed to
    /// <paramref name="truncated"/>. Returns question id → answer; errors name <paramref name="source"/> and the question.
    /// </summary>
    public Dictionary<string, string> Answer(IReadOnlyList<SquadExample> examples, string source = "questions", Action<SquadExample>? truncated = null)
    {
        var predictions = Predict(examples, source, truncated);
        var settings = QuestionAnswering!;
        return AnswerDecoder.Answers(examples, predictions, settings.Version2WithNegative, settings.NullScoreDiffThreshold);
    }

    /// <summary>
    /// Question answering on question/context pairs (see <see cref="Answer(IReadOnlyList{SquadExample}, string, Action{SquadExample})"/>):
    /// each answer's span in its context, its score, and "" where a SQuAD 2.0 model abstains.
    /// </summary>
    public IReadOnlyList<AnswerSpan> Answer(IReadOnlyList<string> questions, IReadOnlyList<string> contexts)
    {
        ArgumentNullException.ThrowIfNull(questions);
        ArgumentNullException.ThrowIfNull(contexts);
        if (questions.Count != contexts.Count) throw new ArgumentException($"{contexts.Count} contexts for {questions.Count} questions", nameof(contexts));
        var examples = questions.Select((q, i) => new SquadExample(i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            q ?? throw new ArgumentException($"question {i} is null"), contexts[i] ?? throw new ArgumentException($"context {i} is null"), [], false)).ToList();
        var predictions = Predict(examples, "questions", null);
        var answers = AnswerDecoder.Answers(examples, predictions, QuestionAnswering!.Version2WithNegative, QuestionAnswering.NullScoreDiffThreshold);
        return predictions.Select((p, i) => answers[examples[i].Id].Length == 0
            ? new AnswerSpan("", 0, 0, p.Score, p.NullScoreDiff)
            : new AnswerSpan(p.Text, p.Start, p.End, p.Score, p.NullScoreDiff)).ToList();
    }

    AnswerPrediction[] Predict(IReadOnlyList<SquadExample> examples, string source, Action<SquadExample>? truncated)
    {
        Require(OnnxHead.QuestionAnswering);
        return AnswerDecoder.Predict(this, examples, QuestionAnswering!, options.BatchSize, source, truncated);
    }

    /// <summary>
    /// Sentence embedding: one vector per text with the pooling and normalisation the folder was exported with (they
    /// are part of the graph), as <c>electra embed</c> writes them for the source folder.
    /// </summary>
    public float[][] Embed(IReadOnlyList<string> texts)
    {
        Require(OnnxHead.SentenceEmbedding);
        return Batched(texts, null, (_, _, rows) => rows[0]);
    }

    /// <summary>Microsoft.Extensions.AI: <see cref="Embed"/> as embeddings; runs synchronously on the calling thread.</summary>
    /// <exception cref="InvalidOperationException">The folder is not a sentence-embedding export.</exception>
    /// <exception cref="ArgumentException"><see cref="EmbeddingGenerationOptions.Dimensions"/> asks for another size than the model gives.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        Require(OnnxHead.SentenceEmbedding);
        var texts = values.ToList();
        var vectors = new List<float[]>(texts.Count);
        for (int start = 0; start < texts.Count; start += this.options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            vectors.AddRange(Embed(texts.GetRange(start, Math.Min(this.options.BatchSize, texts.Count - start))));
        }
        if (options?.Dimensions is int d && vectors.Count > 0 && d != vectors[0].Length)
            throw new ArgumentException($"{folder} gives {vectors[0].Length} dimensions, not {d}", nameof(options));
        return Task.FromResult(new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v))));
    }

    /// <summary>The <see cref="EmbeddingGeneratorMetadata"/> (provider "Electra.Onnx", the folder as model id) or this model.</summary>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return new EmbeddingGeneratorMetadata("Electra.Onnx", defaultModelId: folder);
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>
    /// Cross-encoder re-ranking: reads each (<paramref name="query"/>, passage) pair jointly with a sequence classifier
    /// fine-tuned on (query, passage, 0/1) and returns the passages most relevant first. The score is the probability
    /// of the label <c>1</c> (the TorchSharp <c>CrossEncoder</c>'s), or the output itself for a one-output (regression) head.
    /// </summary>
    /// <exception cref="InvalidOperationException">The folder is not a sequence classifier, or its labels have no <c>1</c>.</exception>
    public IReadOnlyList<RankedPassage> Rerank(string query, IReadOnlyList<string> passages)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(passages);
        Require(OnnxHead.SequenceClassification);
        int relevant = Labels.Count == 1 ? 0 : Labels.ToList().IndexOf("1");
        if (relevant < 0) throw new InvalidOperationException($"{folder}: the labels [{string.Join(", ", Labels)}] have no '1' (relevant), so this is not a cross-encoder");
        var scores = Batched(Enumerable.Repeat(query, passages.Count).ToList(), passages,
            (_, _, rows) => Labels.Count == 1 ? rows[0][0] : Softmax(rows[0])[relevant]);
        return scores.Select((score, i) => new RankedPassage(i, passages[i], score))
            .OrderByDescending(p => p.Score).ThenBy(p => p.Index).ToList();
    }

    /// <summary>Generator: for each <c>[MASK]</c> of each text, the <paramref name="topK"/> most probable tokens.</summary>
    public IReadOnlyList<MaskPrediction[]> FillMask(IReadOnlyList<string> texts, int topK = 5)
    {
        Require(OnnxHead.MaskedLanguageModel);
        if (topK < 1) throw new ArgumentOutOfRangeException(nameof(topK), topK, "must be ≥ 1");
        return Batched(texts, null, (_, e, rows) => Enumerable.Range(0, e.Length)
            .Where(t => e.Ids[t] == Tokenizer.MaskId)
            .Select(t =>
            {
                var p = Softmax(rows[0].AsSpan(t * VocabSize, VocabSize).ToArray());
                var top = Enumerable.Range(0, VocabSize).OrderByDescending(i => p[i]).ThenBy(i => i).Take(topK);
                return new MaskPrediction(t, top.Select(i => new TokenCandidate(Tokenizer.IdToToken(i), p[i])).ToList());
            }).ToArray());
    }

    void Require(OnnxHead head)
    {
        if (Head != head) throw new InvalidOperationException($"{folder} holds {Architecture}; this method needs the {head} head");
    }

    /// <summary>Number of non-padding tokens.</summary>
    static int Real(Encoding e) => e.AttentionMask.Count(m => m == 1);

    /// <summary>
    /// Encodes texts (and pairs) with <see cref="MaxLength"/>, runs them <see cref="OnnxModelOptions.BatchSize"/> at a
    /// time sorted by length (<see cref="LengthBatching"/>) and padded to each batch's longest, and maps every row
    /// through <paramref name="read"/> with the text's index, its encoding and its slice of each output ([T] or [T, C]
    /// flattened, or [C]); the results come back in input order.
    /// </summary>
    T[] Batched<T>(IReadOnlyList<string> texts, IReadOnlyList<string>? pairs, Func<int, Encoding, float[][], T> read)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (pairs is not null && pairs.Count != texts.Count) throw new ArgumentException($"{pairs.Count} second texts for {texts.Count} texts", nameof(pairs));
        var encodeOptions = new EncodeOptions { MaxLength = MaxLength, Truncation = TruncationStrategy.LongestFirst };
        var encodings = Enumerable.Range(0, texts.Count)
            .Select(i => Tokenizer.Encode(texts[i] ?? throw new ArgumentException($"text {i} is null"), pairs?[i], encodeOptions)).ToArray();
        var result = new T[texts.Count];
        foreach (var batch in LengthBatching.Batches(encodings.Select(e => e.Length).ToArray(), options.BatchSize))
        {
            var outputs = Run(BatchEncoding.Pad(batch.Select(i => encodings[i].Ids).ToList(), batch.Select(i => encodings[i].TypeIds).ToList(), Tokenizer.PadId));
            for (int r = 0; r < batch.Length; r++)
            {
                var rows = outputs.Select(o => { int per = o.Values.Length / batch.Length; return o.Values.AsSpan(r * per, per).ToArray(); }).ToArray();
                result[batch[r]] = read(batch[r], encodings[batch[r]], rows);
            }
        }
        return result;
    }

    static float[] Softmax(float[] logits)
    {
        float max = logits.Max();
        var p = logits.Select(x => MathF.Exp(x - max)).ToArray();
        float sum = p.Sum();
        for (int i = 0; i < p.Length; i++) p[i] /= sum;
        return p;
    }

    static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    bool disposed;

    /// <summary>Releases the session.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        session.Dispose();
        sessionOptions.Dispose();
    }
}
