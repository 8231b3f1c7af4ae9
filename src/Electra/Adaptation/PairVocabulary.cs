using System.Globalization;
using System.Text;
using Electra.Data;
using Electra.IO;
using Electra.Interop;
using Electra.Modeling;
using Electra.Tokenization;
using static TorchSharp.torch;

namespace Electra.Adaptation;

/// <summary>What <see cref="PairVocabulary.Extend"/> wrote.</summary>
/// <param name="Dir">The extended pair: <c>discriminator/</c>, <c>generator/</c>, the tokenizer files and <see cref="PairVocabulary.AddedTokensFileName"/>.</param>
/// <param name="OldVocabSize">The starting pair's vocabulary size: ids below it are unchanged.</param>
/// <param name="Added">The tokens appended, in id order from <paramref name="OldVocabSize"/>.</param>
public sealed record ExtendedPair(string Dir, int OldVocabSize, IReadOnlyList<AddedToken> Added)
{
    /// <summary>The extended vocabulary size (<c>vocab_size</c> of both configs).</summary>
    public int VocabSize => OldVocabSize + Added.Count;
}

/// <summary>
/// Extends the vocabulary of a discriminator/generator pair for a new domain (<c>electra vocab extend</c>,
/// <c>pretrain --extend-vocab</c>): appends the pieces <see cref="VocabularyExtension"/> learns on a corpus and any
/// never-split tokens, and grows every table indexed by token id in both models — the word embeddings, an untied
/// generator head, the generator's output bias — by one row per new token. Old rows are copied bit for bit. A new
/// row is the mean of the rows of the pieces the old vocabulary cut the token into (<see cref="AddedToken.OldIds"/>):
/// the established choice (HF users' practice, and the "average of subword embeddings" initialisation of vocabulary
/// adaptation work), which starts the token where the old model's representation of the same text was, rather than at
/// a random point the encoder has never seen. Each table grows on its own, so shared tables stay equal, separate ones
/// stay separate, and GDES deltas of a new row are the mean of its pieces' deltas.
/// </summary>
public static class PairVocabulary
{
    /// <summary>The table of added tokens written beside the pair: id, token, count, kind and the old pieces.</summary>
    public const string AddedTokensFileName = "added_tokens.tsv";

    /// <summary>
    /// Writes the pair in <paramref name="initFrom"/> (<c>discriminator/</c> and <c>generator/</c> HF folders, any layout
    /// the loader reads; tokenizer in <paramref name="tokenizerDir"/>) with its vocabulary extended by up to
    /// <paramref name="maxNewPieces"/> pieces learned on <paramref name="corpus"/> and the never-split tokens of
    /// <paramref name="addTokensFile"/> (<see cref="VocabularyExtension.ReadAddedTokens"/>), untrained, as
    /// <paramref name="outputDir"/> (built under a temporary name, then renamed). The folder loads as an
    /// <see cref="Training.PretrainingOptions.InitFrom"/> pair, and each model folder in HF.
    /// </summary>
    public static ExtendedPair Extend(string initFrom, string tokenizerDir, IReadOnlyList<string> corpus, int maxNewPieces, string? addTokensFile,
        string outputDir, IProgress<string>? log = null, CancellationToken cancellationToken = default)
    {
        var old = WordPieceTokenizer.Load(tokenizerDir);
        var neverSplit = addTokensFile is null ? [] : VocabularyExtension.ReadAddedTokens(addTokensFile, old, w => log?.Report($"warning: {w}"));
        var files = CorpusReader.ListFiles(corpus);
        log?.Report($"learning WordPiece pieces on {files.Count} file(s) to extend the {old.VocabSize}-token vocabulary of {initFrom} by up to {maxNewPieces}");
        var (tokenizer, added) = VocabularyExtension.Extend(old, () => CorpusReader.ReadDocuments(files).SelectMany(d => d.Sentences),
            maxNewPieces, neverSplit, cancellationToken: cancellationToken);
        AtomicFile.WriteDirectory(outputDir, temp =>
        {
            tokenizer.Save(temp);
            string specialTokensMap = Path.Combine(tokenizerDir, "special_tokens_map.json");
            if (File.Exists(specialTokensMap)) File.Copy(specialTokensMap, Path.Combine(temp, "special_tokens_map.json"));
            using (var discriminator = Pretrained.LoadDiscriminator(Path.Combine(initFrom, "discriminator"), w => log?.Report(w)))
            using (var grown = new ElectraForPreTraining(discriminator.Config with { VocabSize = tokenizer.VocabSize }))
            {
                Grow(discriminator, grown, added);
                grown.SavePretrained(Path.Combine(temp, "discriminator"), temp);
            }
            using (var generator = Pretrained.LoadGenerator(Path.Combine(initFrom, "generator"), w => log?.Report(w)))
            using (var grown = new ElectraForMaskedLM(generator.Config with { VocabSize = tokenizer.VocabSize }))
            {
                Grow(generator, grown, added);
                grown.SavePretrained(Path.Combine(temp, "generator"), temp);
            }
            File.WriteAllText(Path.Combine(temp, AddedTokensFileName), Describe(added, old), new UTF8Encoding(false));
        });
        log?.Report($"extended vocabulary: {old.VocabSize} + {added.Count} = {tokenizer.VocabSize} tokens " +
                    $"({added.Count(a => !a.NeverSplit)} learned pieces, {added.Count(a => a.NeverSplit)} never-split) in {outputDir}");
        return new ExtendedPair(outputDir, old.VocabSize, added);
    }

    /// <summary>
    /// Copies every tensor of <paramref name="source"/> into <paramref name="target"/>; a table indexed by token id
    /// (first dimension the old vocabulary size in the source, the extended one in the target) gets its old rows as they
    /// are and each new row as the mean of its <see cref="AddedToken.OldIds"/> rows.
    /// </summary>
    internal static void Grow(nn.Module source, nn.Module target, IReadOnlyList<AddedToken> added)
    {
        using var noGrad = no_grad();
        var from = source.state_dict();
        foreach (var (name, t) in target.state_dict())
        {
            using var scope = NewDisposeScope();
            var s = from[name];
            if (s.shape.SequenceEqual(t.shape))
            {
                t.copy_(s);
                continue;
            }
            long oldVocab = s.shape[0];
            if (t.shape[0] != oldVocab + added.Count || !s.shape.Skip(1).SequenceEqual(t.shape.Skip(1)))
                throw new InvalidOperationException($"{name}: cannot grow [{string.Join(", ", s.shape)}] to [{string.Join(", ", t.shape)}] for {added.Count} new tokens");
            t.narrow(0, 0, oldVocab).copy_(s);
            for (int i = 0; i < added.Count; i++)
                t[oldVocab + i].copy_(NewRow(s, added[i]));
        }
    }

    /// <summary>The documented initialisation of a new token's row of <paramref name="table"/>: the mean of its old pieces' rows.</summary>
    internal static Tensor NewRow(Tensor table, AddedToken token) =>
        table.index_select(0, tensor(token.OldIds.Select(id => (long)id).ToArray(), device: table.device)).mean([0]);

    static string Describe(IReadOnlyList<AddedToken> added, WordPieceTokenizer old)
    {
        var text = new StringBuilder("id\ttoken\tcount\tkind\told_pieces\n");
        foreach (var a in added)
            text.Append(CultureInfo.InvariantCulture, $"{a.Id}\t{a.Token}\t{a.Count}\t{(a.NeverSplit ? "never-split" : "piece")}\t")
                .AppendJoin(' ', a.OldIds.Select(old.IdToToken)).Append('\n');
        return text.ToString();
    }
}
