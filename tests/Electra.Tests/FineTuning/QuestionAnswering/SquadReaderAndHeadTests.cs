using System.Text.Json;
using Electra.FineTuning;
using Electra.FineTuning.QuestionAnswering;
using Electra.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Tests.FineTuning.QuestionAnswering;

public class SquadReaderAndHeadTests
{
    static string Discriminator => Path.Combine(TestPaths.Fixture, "discriminator");

    static string Squad(string qas, string context = "The whale swam north.", string version = "1.1") =>
        $$"""{"version": "{{version}}", "data": [{"title": "t", "paragraphs": [{"context": "{{context}}", "qas": [{{qas}}]}]}]}""";

    [Fact]
    public void Reads_v1_and_v2_questions_with_their_answers()
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir["v1.json"], Squad("""{"id": "a", "question": "Who swam?", "answers": [{"text": "whale", "answer_start": 4}, {"text": "The whale", "answer_start": 0}]}"""));
        var v1 = SquadDataset.Read(dir["v1.json"]);
        Assert.False(v1.IsVersion2);
        var q = Assert.Single(v1.Examples);
        Assert.Equal(("a", "Who swam?", "The whale swam north."), (q.Id, q.Question, q.Context));
        Assert.Equal(new[] { new SquadAnswer("whale", 4), new SquadAnswer("The whale", 0) }, q.Answers);
        Assert.Equal(9, q.Answers[0].End);

        File.WriteAllText(dir["v2.json"], Squad("""{"id": "b", "question": "Who flew?", "answers": [], "is_impossible": true}""", version: "v2.0"));
        var v2 = SquadDataset.Read(dir["v2.json"]);
        Assert.True(v2.IsVersion2);
        Assert.True(v2.Examples[0].IsImpossible && v2.HasGold);

        File.WriteAllText(dir["test.json"], Squad("""{"id": "c", "question": "Where?"}"""));
        Assert.False(SquadDataset.Read(dir["test.json"], requireGold: false).HasGold);
    }

    [Theory]
    [InlineData("{\"data\": [", "bad.json: not valid JSON")]
    [InlineData("{\"rows\": []}", "not a SQuAD file")]
    [InlineData("""{"id": "q7", "question": "Who?", "answers": [{"text": "whale", "answer_start": 3}]}""", "bad.json: question q7: answer_start 3 does not point at the answer 'whale' (the context has ' whal' there)")]
    [InlineData("""{"id": "q8", "question": "Who?", "answers": [{"text": "whale", "answer_start": 400}]}""", "question q8: answer_start 400 does not point at the answer 'whale'")]
    [InlineData("""{"id": "q9", "question": "Who?", "answers": []}""", "question q9: no answers and not is_impossible")]
    [InlineData("""{"id": "q1", "question": "Who?", "answers": [{"text": "whale", "answer_start": 4}]}, {"id": "q1", "question": "What?", "answers": [{"text": "north", "answer_start": 15}]}""", "question q1: the id occurs twice")]
    [InlineData("""{"id": "q2", "answers": []}""", "question q2: no string \"question\"")]
    [InlineData("""{"id": "q3", "question": "Who?", "is_impossible": true, "answers": [{"text": "whale", "answer_start": 4}]}""", "question q3: is_impossible but 1 answer(s) given")]
    public void Bad_files_are_errors_naming_file_and_question(string content, string message)
    {
        using var dir = new TestPaths.TempDir();
        File.WriteAllText(dir["bad.json"], content.StartsWith('{') && content.Contains("\"id\"") ? Squad(content) : content);
        var e = Assert.Throws<InvalidDataException>(() => SquadDataset.Read(dir["bad.json"]));
        Assert.Contains(message, e.Message);
        Assert.Contains("bad.json", e.Message);
    }

    [Fact]
    public void Qa_head_has_hf_keys_and_round_trips_in_hf_layout()
    {
        using var dir = new TestPaths.TempDir();
        torch.manual_seed(3);
        var (model, report) = ElectraForQuestionAnswering.FromPretrained(Discriminator);
        using (model)
        {
            var source = SafeTensors.Load(Path.Combine(Discriminator, "model.safetensors"));
            var state = model.state_dict();
            Assert.Equal(new long[] { 2, 64 }, state["qa_outputs.weight"].shape);
            Assert.Equal(new long[] { 2 }, state["qa_outputs.bias"].shape);
            Assert.Equal(source.Keys.Where(k => k.StartsWith("electra.")).Order(), state.Keys.Where(k => k.StartsWith("electra.")).Order());
            Assert.Equal(new[] { "qa_outputs.weight", "qa_outputs.bias" }, report.Initialized);
            Assert.Contains("discriminator_predictions.dense.weight", report.Ignored);
            foreach (string key in report.Taken) Assert.True(state[key].equal(source[key]).all().item<bool>(), key);
            Assert.Equal(4, LayerwiseLearningRates.Depth("qa_outputs.weight", 2)); // the head's depth, L + 2

            model.Save(dir["qa"], Discriminator);
            var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir["qa"], "config.json"))).RootElement;
            Assert.Equal("ElectraForQuestionAnswering", config.GetProperty("architectures")[0].GetString());
            Assert.False(config.TryGetProperty("id2label", out _)); // HF's default num_labels 2 = start, end

            using var loaded = ElectraForQuestionAnswering.Load(dir["qa"]);
            model.eval();
            loaded.eval();
            using var noGrad = no_grad();
            var ids = tensor(new long[] { 2, 100, 101, 3, 102, 103, 3 }).unsqueeze(0);
            var mask = ones_like(ids);
            var types = tensor(new long[] { 0, 0, 0, 0, 1, 1, 1 }).unsqueeze(0);
            var (s1, e1) = model.call(ids, mask, types);
            var (s2, e2) = loaded.call(ids, mask, types);
            Assert.Equal(new long[] { 1, 7 }, s1.shape);
            Assert.True(s1.equal(s2).all().item<bool>() && e1.equal(e2).all().item<bool>());
            var loss = ElectraForQuestionAnswering.Loss(s1, e1, tensor(new long[] { 4 }), tensor(new long[] { 5 }));
            double expected = (-s1.log_softmax(-1)[0, 4].item<float>() - e1.log_softmax(-1)[0, 5].item<float>()) / 2;
            Assert.Equal(expected, loss.item<float>(), 5);
        }
        var e = Assert.Throws<InvalidDataException>(() => ElectraForQuestionAnswering.Load(Discriminator));
        Assert.Contains("not ElectraForQuestionAnswering", e.Message);
    }
}
