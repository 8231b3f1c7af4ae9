using System.Globalization;
using Electra.Data;

namespace Electra.Testing;

/// <summary>Shared fixtures of the data tests: a scratch folder, a numeric encoder and synthetic corpora.</summary>
public sealed class DataTestKit : IDisposable
{
    public const int Pad = 0, Cls = 1, Sep = 2;

    public string Root { get; } = Directory.CreateTempSubdirectory("electra-data-").FullName;

    /// <summary>Encodes "17 18 19" to [17, 18, 19]: each word is its own id, so tests can trace tokens back to sentences.</summary>
    public static int[] Encode(string text) =>
        text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray();

    public static DatasetVocabulary Vocabulary(int vocabSize) => new(vocabSize, Cls, Sep, Pad, "test-vocab");

    public string PathOf(string name) => Path.Combine(Root, name);

    public string Write(string name, string text)
    {
        string path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>
    /// Documents of sentences of 1..maxSentence tokens whose ids count up from <paramref name="firstId"/> across the
    /// whole corpus (ids wrap to stay below <paramref name="vocabSize"/>), so a token's successor in the text is id + 1.
    /// </summary>
    public static List<List<int[]>> Documents(int seed, int documents, int maxSentences, int maxSentence, int firstId = 10, int vocabSize = 60000)
    {
        var random = new Random(seed);
        var result = new List<List<int[]>>();
        int next = firstId;
        for (int d = 0; d < documents; d++)
        {
            var document = new List<int[]>();
            int count = random.Next(1, maxSentences + 1);
            for (int s = 0; s < count; s++)
            {
                var sentence = new int[random.Next(1, maxSentence + 1)];
                for (int i = 0; i < sentence.Length; i++)
                {
                    sentence[i] = next++;
                    if (next >= vocabSize) next = firstId;
                }
                document.Add(sentence);
            }
            result.Add(document);
        }
        return result;
    }

    /// <summary>The plain-text form of <see cref="Documents"/>: one sentence per line, a blank line between documents.</summary>
    public static string Text(IEnumerable<List<int[]>> documents) =>
        string.Join("\n\n", documents.Select(d => string.Join("\n", d.Select(s => string.Join(' ', s))))) + "\n";

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { } // a mapped file still closing on another thread must not fail the test
    }
}
