using Electra.Tokenization;

namespace Electra.Data;

/// <summary>
/// Learns a WordPiece vocabulary from exactly the sentences the dataset is built from: <see cref="CorpusReader"/>'s
/// files, folder rule and <c>.jsonl</c> <c>text</c> fields (a raw-line trainer would learn <c>{"text":</c> from a
/// <c>.jsonl</c> corpus). Used by the pipeline, <c>electra tokenizer train</c> and the experiment.
/// </summary>
public static class CorpusVocabulary
{
    /// <summary>Trains on every sentence of <paramref name="corpusPaths"/>; <paramref name="warn"/> hears of suspicious input.</summary>
    /// <exception cref="FileNotFoundException">A corpus path does not exist.</exception>
    /// <exception cref="InvalidDataException">Unreadable or empty corpus, named with file and line.</exception>
    public static WordPieceTokenizer Train(IEnumerable<string> corpusPaths, WordPieceTrainerOptions options,
        IProgress<WordPieceTrainerProgress>? progress = null, Action<string>? warn = null, CancellationToken cancellationToken = default) =>
        WordPieceTrainer.Train(CorpusReader.ReadDocuments(corpusPaths, warn).SelectMany(d => d.Sentences), options, progress, cancellationToken);
}
