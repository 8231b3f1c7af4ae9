using Electra.Data;

namespace Electra.Tests.Data;

public class SentenceSplitterTests
{
    [Fact]
    public void Splits_at_terminators_before_capitals_digits_and_quotes_but_not_after_abbreviations()
    {
        var sentences = SentenceSplitter.Split(
            "Call me Ishmael.  Mr. Smith met Dr. J. Watson in the U.S. Navy! Was it 1851? \"Yes,\" he said. 42 whales\nswam.");
        Assert.Equal(["Call me Ishmael.", "Mr. Smith met Dr. J. Watson in the U.S. Navy!", "Was it 1851?", "\"Yes,\" he said.", "42 whales swam."], sentences);
    }

    [Fact]
    public void Keeps_closing_quotes_and_does_not_split_before_lower_case()
    {
        Assert.Equal(["He said \"stop.\"", "Then he left... and came back."],
            SentenceSplitter.Split("He said \"stop.\" Then he left... and came back."));
    }
}
