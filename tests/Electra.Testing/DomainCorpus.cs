namespace Electra.Testing;

/// <summary>
/// A small corpus of a new domain for vocabulary extension: words the fixture's 1024-token vocabulary cuts into many
/// pieces, one sentence a line, documents separated by empty lines.
/// </summary>
public static class DomainCorpus
{
    public static readonly string[] Words = ["cardiomyopathy", "echocardiography", "thrombolysis", "electrophysiology", "tachyarrhythmia", "angioplasty"];

    /// <summary>Writes <paramref name="dir"/>/domain.txt (40 documents of 8 sentences, seed 7) and returns its path.</summary>
    public static string Write(string dir)
    {
        Directory.CreateDirectory(dir);
        var random = new Random(7);
        var lines = new List<string>();
        for (int document = 0; document < 40; document++)
        {
            for (int s = 0; s < 8; s++)
                lines.Add($"the {Words[random.Next(Words.Length)]} of the patient was treated with {Words[random.Next(Words.Length)]} and {Words[random.Next(Words.Length)]} .");
            lines.Add("");
        }
        string path = Path.Combine(dir, "domain.txt");
        File.WriteAllLines(path, lines);
        return path;
    }
}
