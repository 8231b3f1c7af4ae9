using Electra.Retrieval;

namespace Electra.Tests.Retrieval;

public class RetrievalFilesTests
{
    [Fact]
    public void Inputs_are_read_with_ids_texts_and_vectors()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir["t.txt"], "first text\nsecond text\n");
        Assert.Equal(new[] { ("1", "first text"), ("2", "second text") }, RetrievalFiles.ReadTexts(dir["t.txt"]).Select(t => (t.Id, t.Text!)));
        File.WriteAllText(dir["d.jsonl"], "{\"id\": 7, \"text\": \"a\"}\n\n{\"id\": \"x\", \"vector\": [1, 2.5]}\n");
        var docs = RetrievalFiles.ReadDocuments(dir["d.jsonl"]);
        Assert.Equal(new[] { "7", "x" }, docs.Select(d => d.Id));
        Assert.Equal(new[] { 1f, 2.5f }, docs[1].Vector);
        Assert.Equal(3, docs[1].Line);
        File.WriteAllText(dir["q.tsv"], "q1\twhat is it\n");
        Assert.Equal("what is it", RetrievalFiles.ReadQueries(dir["q.tsv"])[0].Text);
        File.WriteAllText(dir["qrels.tsv"], "q1 0 7 1\nq1\t0\tx\t2\n");
        Assert.Equal(2, RetrievalFiles.ReadQrels(dir["qrels.tsv"])["q1"]["x"]);
    }

    [Theory]
    [InlineData("d.jsonl", "{\"id\": 1, \"text\": \"a\"}\n{\"id\": 1, \"text\": \"b\"}\n", "d.jsonl:2: id '1' appears twice")]
    [InlineData("d.jsonl", "{\"id\": 1, \"text\": \"a\"}\n{\"text\": \"b\"}\n", "d.jsonl:2: no \"id\"")]
    [InlineData("d.jsonl", "{\"id\": 1, \"text\": \"a\"}\n{oops\n", "d.jsonl:2: not valid JSON")]
    [InlineData("d.jsonl", "{\"id\": 1, \"vector\": [1, \"x\"]}\n", "d.jsonl:1: \"vector\"[1] is not a finite number")]
    [InlineData("d.jsonl", "{\"id\": 1}\n", "d.jsonl:1: no \"text\" or \"vector\"")]
    [InlineData("q.tsv", "q1\tfine\nq2\n", "q.tsv:2: expected qid<TAB>query text")]
    [InlineData("q.tsv", "q1\tfine\nq1\tagain\n", "q.tsv:2: query id 'q1' appears twice")]
    [InlineData("qrels.tsv", "q1 0 d1 1\nq1 0 d2 high\n", "qrels.tsv:2: expected 'qid 0 docid relevance'")]
    [InlineData("pairs.tsv", "query\tpositive\na\tb\nc\n", "pairs.tsv:3: expected 2 non-empty tab-separated fields")]
    [InlineData("pairs.tsv", "text\tlabel\na\tb\n", "pairs.tsv:1: header 'text<TAB>label' is not query<TAB>positive")]
    [InlineData("t.txt", "a\n\nb\n", "t.txt:2: empty line")]
    public void Bad_input_names_file_and_line(string name, string content, string message)
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir[name], content);
        Func<object> read = name switch
        {
            "d.jsonl" => () => RetrievalFiles.ReadDocuments(dir[name]),
            "q.tsv" => () => RetrievalFiles.ReadQueries(dir[name]),
            "qrels.tsv" => () => RetrievalFiles.ReadQrels(dir[name]),
            "pairs.tsv" => () => RetrievalFiles.ReadPairs(dir[name]),
            _ => () => RetrievalFiles.ReadTexts(dir[name]),
        };
        Assert.Contains(message, Assert.Throws<InvalidDataException>(read).Message);
    }
}
