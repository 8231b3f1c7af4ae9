namespace Electra.Tokenization.Tests;

/// <summary>
/// The repository's PyTorch fixture (tests/data/hf-electra-tiny, found by walking up from the test binaries to the
/// repository root; tests never read anything beside the repository) and
/// the id arithmetic of hf-electra-tiny's vocab.txt: [PAD] [UNK] [CLS] [SEP] [MASK] = 0..4, a..z = 5..30,
/// ##a..##z = 31..56, then "w57".."w1023" whose id is their number.
/// </summary>
static class Fixtures
{
    public static readonly string TinyVocab = Find(Path.Combine("tests", "data", "hf-electra-tiny", "vocab.txt"));

    public static readonly WordPieceTokenizer Tiny = WordPieceTokenizer.Load(TinyVocab);

    public const int Pad = 0, Unk = 1, Cls = 2, Sep = 3, Mask = 4;

    /// <summary>Id of a single letter starting a word.</summary>
    public static int L(char c) => 5 + (c - 'a');

    /// <summary>Id of ##letter.</summary>
    public static int C(char c) => 31 + (c - 'a');

    /// <summary>Ids of a lower-case word spelled letter by letter: first letter, then ## continuations.</summary>
    public static int[] Spell(string word) => word.Select((c, i) => i == 0 ? L(c) : C(c)).ToArray();

    public static string TempFolder()
    {
        string dir = Path.Combine(Path.GetTempPath(), "electra-tok-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    static string Find(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }
}
