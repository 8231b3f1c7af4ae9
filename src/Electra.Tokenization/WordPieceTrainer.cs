
namespace Electra.Tokenization;

/// <summary>
/// Learns a WordPiece vocabulary from text: the algorithm of HF tokenizers' <c>WordPieceTrainer</c> (the trainer
/// behind <c>BertWordPieceTokenizer.train</c>), i.e. byte-pair-encoding merges over pieces written with <c>##</c>
/// continuations, every merged piece becoming a vocabulary entry.
/// </summary>
/// <remarks>
/// <para>Why BPE-style merges: they are deterministic, fast (each merge only revisits the words holding the pair),
/// need only the word counts, and are what HF users already get, so a vocabulary trained here looks like one trained
/// there. Google's original vocabulary builder needs an iterative search over thresholds, and likelihood-based
/// (unigram) training needs EM over a large seed vocabulary: both are slower for no gain in parity.</para>
/// <para>Steps: (1) normalize and split every text exactly as <see cref="WordPieceTokenizer"/> does before WordPiece,
/// counting distinct words — memory grows with the number of distinct words, never with the corpus, and words longer
/// than <see cref="WordPieceTokenizer.MaxInputCharsPerWord"/> are skipped since they always encode as unknown;
/// (2) vocabulary = special tokens (ids 0..4: PAD, UNK, CLS, SEP, MASK), then the alphabet (the
/// <see cref="WordPieceTrainerOptions.LimitAlphabet"/> most frequent characters, sorted by code point), then each
/// alphabet character as a <c>##</c> continuation; (3) repeatedly merge the most frequent adjacent pair (ties: the pair of
/// smaller ids), adding the joined piece (<c>a</c> + <c>##b</c> → <c>ab</c>), until the vocabulary has
/// <see cref="WordPieceTrainerOptions.VocabSize"/> entries or no pair occurs <see cref="WordPieceTrainerOptions.MinFrequency"/>
/// times. The same input and options always give the same vocabulary. Frequent words end up whole, rare ones as pieces.</para>
/// </remarks>
public static class WordPieceTrainer
{
    const int ReportEveryTexts = 20_000;
    const int ReportEveryMerges = 1_000;

    /// <summary>Trains on in-memory texts (any enumerable, read once, never held).</summary>
    /// <exception cref="InvalidDataException">The texts hold no words.</exception>
    /// <exception cref="ArgumentException">Invalid options.</exception>
    public static WordPieceTokenizer Train(IEnumerable<string> texts, WordPieceTrainerOptions options,
        IProgress<WordPieceTrainerProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return Run(texts, () => 0, "the training texts", options, progress, ct);
    }

    /// <summary>
    /// Trains on UTF-8 text files, one text per line. Invalid UTF-8 stops training with an
    /// <see cref="InvalidDataException"/> naming the file and line (as Python's strict decoding would).
    /// </summary>
    /// <exception cref="FileNotFoundException">A path does not exist.</exception>
    /// <exception cref="InvalidDataException">Invalid UTF-8, or the files hold no words.</exception>
    public static WordPieceTokenizer TrainFromFiles(IEnumerable<string> paths, WordPieceTrainerOptions options,
        IProgress<WordPieceTrainerProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = paths.ToArray();
        if (files.Length == 0) throw new ArgumentException("no corpus files given", nameof(paths));
        foreach (string f in files)
            if (!File.Exists(f)) throw new FileNotFoundException($"{f}: no such corpus file", f);
        long finished = 0, current = 0;
        IEnumerable<string> Lines()
        {
            foreach (string f in files)
            {
                foreach (string line in Utf8Lines.Read(f, b => current = b)) yield return line;
                finished += current;
                current = 0;
            }
        }
        return Run(Lines(), () => finished + current, files.Length == 1 ? files[0] : $"the {files.Length} corpus files", options, progress, ct);
    }

    static WordPieceTokenizer Run(IEnumerable<string> texts, Func<long> bytesRead, string source, WordPieceTrainerOptions options,
        IProgress<WordPieceTrainerProgress>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.VocabSize < 1) throw new ArgumentException($"VocabSize must be positive, got {options.VocabSize}", nameof(options));
        if (options.LimitAlphabet < 1) throw new ArgumentException($"LimitAlphabet must be positive, got {options.LimitAlphabet}", nameof(options));
        var specials = options.Tokenizer.SpecialTokens;
        if (specials.Distinct().Count() != specials.Count || specials.Any(string.IsNullOrEmpty))
            throw new ArgumentException($"the special tokens must be distinct and non-empty: {string.Join(", ", specials)}", nameof(options));

        var counts = CountWords(texts, bytesRead, options, progress, ct, out long textCount);
        if (counts.Count == 0) throw new InvalidDataException($"{source} hold no words to learn a vocabulary from");

        var merger = new PairMerger(counts, specials, options.LimitAlphabet);
        counts.Clear();
        merger.Merge(options.VocabSize, Math.Max(1, options.MinFrequency), ct,
            size => progress?.Report(new(WordPieceTrainingPhase.Merging, textCount, bytesRead(), merger.WordCount, size, options.VocabSize)));
        progress?.Report(new(WordPieceTrainingPhase.Done, textCount, bytesRead(), merger.WordCount, merger.Vocabulary.Count, options.VocabSize));
        return WordPieceTokenizer.FromVocabulary(merger.Vocabulary, options.Tokenizer);
    }

    static Dictionary<string, long> CountWords(IEnumerable<string> texts, Func<long> bytesRead, WordPieceTrainerOptions options,
        IProgress<WordPieceTrainerProgress>? progress, CancellationToken ct, out long textCount)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var counter = new WordCounter(counts);
        var basic = new BasicTokenizer(options.Tokenizer, []);
        textCount = 0;
        foreach (string text in texts)
        {
            basic.Run(text ?? "", ref counter, splitSpecialTokens: false);
            if (++textCount % ReportEveryTexts == 0)
            {
                ct.ThrowIfCancellationRequested();
                progress?.Report(new(WordPieceTrainingPhase.CountingWords, textCount, bytesRead(), counts.Count, 0, options.VocabSize));
            }
        }
        ct.ThrowIfCancellationRequested();
        progress?.Report(new(WordPieceTrainingPhase.CountingWords, textCount, bytesRead(), counts.Count, 0, options.VocabSize));
        return counts;
    }

    /// <summary>The merge loop: words as arrays of piece ids, pair counts, and for each pair the words that hold it.</summary>
    sealed class PairMerger
    {
        readonly List<string> vocabulary = new();
        readonly Dictionary<string, int> ids = new(StringComparer.Ordinal);
        readonly int[][] words;
        readonly int[] lengths;
        readonly long[] counts;
        readonly Dictionary<long, long> pairCounts = new();
        readonly Dictionary<long, HashSet<int>> pairWords = new();
        // Max-heap on count, then min on the pair (HF's tie-break); stale entries are skipped when popped.
        readonly PriorityQueue<long, (long Count, long Pair)> queue = new(Comparer<(long Count, long Pair)>.Create(
            (x, y) => x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.Pair.CompareTo(y.Pair)));

        public PairMerger(Dictionary<string, long> wordCounts, IReadOnlyList<string> specials, int limitAlphabet)
        {
            foreach (string s in specials) Add(s);
            // Sorted words make ids, and so every tie-break, independent of the order texts arrived in.
            var sorted = wordCounts.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray();
            var charCounts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var (word, count) in sorted)
                foreach (var r in word.EnumerateRunes())
                {
                    string c = r.ToString();
                    charCounts[c] = charCounts.GetValueOrDefault(c) + count;
                }
            var alphabet = charCounts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                .Take(limitAlphabet).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToArray();
            foreach (string c in alphabet) Add(c);
            foreach (string c in alphabet) Add(WordPieceVocabulary.ContinuationPrefix + c);

            words = new int[sorted.Length][];
            lengths = new int[sorted.Length];
            counts = new long[sorted.Length];
            var symbols = new List<int>();
            for (int w = 0; w < sorted.Length; w++)
            {
                symbols.Clear();
                foreach (var r in sorted[w].Key.EnumerateRunes())
                {
                    // HF skips characters outside the alphabet when splitting words for training.
                    string piece = symbols.Count == 0 ? r.ToString() : WordPieceVocabulary.ContinuationPrefix + r;
                    if (ids.TryGetValue(piece, out int id)) symbols.Add(id);
                }
                words[w] = symbols.ToArray();
                lengths[w] = words[w].Length;
                counts[w] = sorted[w].Value;
                for (int i = 0; i + 1 < lengths[w]; i++) AddPair(Key(words[w][i], words[w][i + 1]), w, counts[w]);
            }
            foreach (var (pair, count) in pairCounts) queue.Enqueue(pair, (count, pair));
        }

        public IReadOnlyList<string> Vocabulary => vocabulary;

        public int WordCount => words.Length;

        static long Key(int a, int b) => ((long)a << 32) | (uint)b;

        int Add(string token)
        {
            if (ids.TryGetValue(token, out int id)) return id;
            ids[token] = vocabulary.Count;
            vocabulary.Add(token);
            return vocabulary.Count - 1;
        }

        void AddPair(long pair, int word, long count)
        {
            pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + count;
            if (!pairWords.TryGetValue(pair, out var set)) pairWords[pair] = set = new HashSet<int>();
            set.Add(word);
        }

        public void Merge(int vocabSize, int minFrequency, CancellationToken ct, Action<int> report)
        {
            var touched = new HashSet<long>();
            int merges = 0;
            while (vocabulary.Count < vocabSize && queue.TryDequeue(out long pair, out var queued))
            {
                long current = pairCounts.GetValueOrDefault(pair);
                if (current != queued.Count)
                {
                    if (current > 0) queue.Enqueue(pair, (current, pair));
                    continue;
                }
                if (current < minFrequency) break;
                int a = (int)(pair >> 32), b = (int)pair;
                string right = vocabulary[b];
                int merged = Add(vocabulary[a] + (right.StartsWith(WordPieceVocabulary.ContinuationPrefix, StringComparison.Ordinal)
                    ? right[WordPieceVocabulary.ContinuationPrefix.Length..] : right));
                touched.Clear();
                foreach (int w in pairWords[pair].ToArray()) MergeInWord(w, a, b, merged, touched);
                pairCounts.Remove(pair);
                pairWords.Remove(pair);
                foreach (long t in touched)
                    if (pairCounts.TryGetValue(t, out long c) && c > 0) queue.Enqueue(t, (c, t));
                if (++merges % ReportEveryMerges == 0)
                {
                    ct.ThrowIfCancellationRequested();
                    report(vocabulary.Count);
                }
            }
        }

        void MergeInWord(int w, int a, int b, int merged, HashSet<long> touched)
        {
            var s = words[w];
            int n = lengths[w];
            long count = counts[w];
            bool found = false;
            for (int i = 0; i + 1 < n && !found; i++) found = s[i] == a && s[i + 1] == b;
            if (!found) return; // a stale entry: an earlier merge in this word consumed the pair
            for (int i = 0; i + 1 < n; i++) pairCounts[Key(s[i], s[i + 1])] -= count;
            int o = 0;
            for (int i = 0; i < n;)
            {
                if (i + 1 < n && s[i] == a && s[i + 1] == b)
                {
                    s[o++] = merged;
                    i += 2;
                }
                else s[o++] = s[i++];
            }
            lengths[w] = o;
            for (int i = 0; i + 1 < o; i++)
            {
                long k = Key(s[i], s[i + 1]);
                AddPair(k, w, count);
                touched.Add(k);
            }
        }
    }
}
