namespace Electra.Tokenization;

/// <summary>Stage of a <see cref="WordPieceTrainer"/> run.</summary>
public enum WordPieceTrainingPhase
{
    /// <summary>Reading texts and counting distinct words.</summary>
    CountingWords,
    /// <summary>Merging the most frequent pairs of pieces.</summary>
    Merging,
    /// <summary>The vocabulary is complete.</summary>
    Done,
}

/// <summary>A progress report of <see cref="WordPieceTrainer"/>.</summary>
/// <param name="Phase">Current stage.</param>
/// <param name="TextsRead">Texts (lines) read so far.</param>
/// <param name="BytesRead">UTF-8 bytes read from files so far (0 when training from in-memory texts).</param>
/// <param name="DistinctWords">Distinct normalized words counted so far.</param>
/// <param name="VocabularySize">Tokens in the vocabulary so far (0 while counting).</param>
/// <param name="TargetVocabularySize">The requested <see cref="WordPieceTrainerOptions.VocabSize"/>.</param>
public sealed record WordPieceTrainerProgress(
    WordPieceTrainingPhase Phase, long TextsRead, long BytesRead, int DistinctWords, int VocabularySize, int TargetVocabularySize);
