using System.Text.Json.Nodes;

namespace Electra.Testing;

/// <summary>Bad inputs the validation tests give the library (InputValidationTests) and the CLI (CliInputTests).</summary>
public static class InvalidInputs
{
    /// <summary>A copy of the fixture's discriminator folder with <paramref name="edit"/> applied to its config.json.</summary>
    public static string ModelWithConfig(string dir, Action<JsonObject> edit)
    {
        Directory.CreateDirectory(dir);
        foreach (string file in Directory.GetFiles(Path.Combine(TestPaths.Fixture, "discriminator")))
            File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        edit(config);
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        return dir;
    }

    /// <summary>hidden_size 65536 with intermediate_size 1e9: about a petabyte of weights.</summary>
    public static string HugeModel(string dir) => ModelWithConfig(dir, c =>
    {
        c["hidden_size"] = 65536;
        c["intermediate_size"] = 1_000_000_000;
        c["num_attention_heads"] = 1;
    });

    /// <summary>A line of text, then 4 KB of random bytes on line 2 (no line breaks, no NUL), starting with invalid UTF-8.</summary>
    public static byte[] BinaryBytes()
    {
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        for (int i = 0; i < bytes.Length; i++)
            if (bytes[i] is 0 or (byte)'\n' or (byte)'\r') bytes[i] = 0xFF;
        bytes[0] = 0xFF;
        return [.. "text\tlabel\n"u8, .. bytes];
    }
}
