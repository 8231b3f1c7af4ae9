using Electra.Modeling;
using Electra.Optimization;
using Electra.Pretraining;
using Electra.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Tests;

public class ObjectiveTests
{
    [Fact]
    public void Shapes_labels_and_losses_are_consistent()
    {
        using var model = TinyModels.Objective();
        using var scope = NewDisposeScope();
        var (ids, mask, types) = TinyModels.Batch(3, 24);
        var masked = new Masking(new MaskingOptions(), SpecialTokens.Default, 100).Apply(ids, mask, new torch.Generator(2));
        var m = model.Forward(ids, mask, types, masked, new torch.Generator(4), keepScores: true);

        Assert.Equal(0, m.Loss.dim());
        double total = m.Loss.item<float>(), g = m.GeneratorLoss.item<float>(), d = m.DiscriminatorLoss.item<float>();
        Assert.Equal(g + 50 * d, total, 3);
        Assert.InRange(g, Math.Log(100) - 1.5, Math.Log(100) + 1.5); // untrained generator ≈ uniform over 100 ids
        Assert.Equal(new long[] { 3, 24 }, m.DiscriminatorLabels!.shape);
        // Labels are 1 exactly where the discriminator's input differs from the original, and only at masked slots.
        var labels = m.DiscriminatorLabels!;
        var slotMask = zeros(3, 24).scatter(1, masked.Positions, masked.Weights);
        Assert.True(labels.le(slotMask).all().item<bool>(), "a label outside the masked slots");
        Assert.True(labels.mul(m.TokenMask!).sum().item<float>() == m.ActualPositives.item<float>());
        Assert.InRange(m.ActualPositives.item<float>() / m.TokenCount.item<float>(), 0.0, 0.2); // replaced fraction
        using var sums = new MetricSums();
        sums.Add(m);
        var v = sums.Read(discriminator: true);
        Assert.InRange(v.DiscriminatorAccuracy!.Value, 0, 1);
        Assert.Equal(total, v.Loss, 5);
    }

    [Fact]
    public void Sampling_follows_the_softmax_and_a_correct_sample_is_labelled_original()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 0, (float)Math.Log(3), float.NegativeInfinity, 0 }).expand(20000, 4);
        var s = ReplacedTokenDetection.Sample(logits, 1.0, new torch.Generator(9));
        var freq = s.bincount(null, 4).to(ScalarType.Float32) / 20000;
        Assert.Equal(0.2, freq[0].item<float>(), 1);
        Assert.Equal(0.6, freq[1].item<float>(), 1);
        Assert.Equal(0.0, freq[2].item<float>(), 5);

        // A generator that always predicts the original: nothing is replaced, every label is 0.
        using var model = TinyModels.Objective();
        var (ids, mask, types) = TinyModels.Batch(2, 16);
        var masked = new Masking(new MaskingOptions(), SpecialTokens.Default, 100).Apply(ids, mask, new torch.Generator(2));
        var perfect = nn.functional.one_hot(masked.Targets, 100).to(ScalarType.Float32) * 1e4f;
        var sample = ReplacedTokenDetection.Sample(perfect, 1.0, new torch.Generator(3));
        Assert.True(sample.eq(masked.Targets).all().item<bool>());
    }

    [Fact]
    public void Embeddings_are_one_tensor_and_get_gradients_from_both_losses()
    {
        Tensor GradOfSharedTable(double lambda)
        {
            using var model = TinyModels.Objective(seed: 1, new ReplacedTokenDetectionOptions { DiscriminatorWeight = lambda });
            Assert.Same(model.Discriminator.Electra.Embeddings, model.Generator.Electra.Embeddings);
            var (ids, mask, types) = TinyModels.Batch(2, 16);
            var masked = new Masking(new MaskingOptions(), SpecialTokens.Default, 100).Apply(ids, mask, new torch.Generator(2));
            model.Forward(ids, mask, types, masked, new torch.Generator(1)).Loss.backward();
            return model.Discriminator.Electra.Embeddings.WordEmbeddings.grad!.clone();
        }
        using var scope = NewDisposeScope();
        var mlmOnly = GradOfSharedTable(0);
        var joint = GradOfSharedTable(50);
        Assert.True(mlmOnly.abs().sum().item<float>() > 0, "the MLM loss does not reach the shared table");
        Assert.True((joint - mlmOnly).abs().sum().item<float>() > 0, "the RTD loss does not reach the shared table");
    }

    [Fact]
    public void Gdes_keeps_the_rtd_loss_off_the_generator_table_and_exports_the_sum()
    {
        using var scope = NewDisposeScope();
        Tensor GeneratorTableGrad(double lambda, out Tensor deltaGrad)
        {
            using var model = TinyModels.Objective(seed: 1, new ReplacedTokenDetectionOptions { DiscriminatorWeight = lambda, Sharing = EmbeddingSharing.Gdes });
            var (ids, mask, types) = TinyModels.Batch(2, 16);
            var masked = new Masking(new MaskingOptions(), SpecialTokens.Default, 100).Apply(ids, mask, new torch.Generator(2));
            model.Forward(ids, mask, types, masked, new torch.Generator(1)).Loss.backward();
            deltaGrad = model.Discriminator.Electra.Embeddings.WordEmbeddings.grad!.clone();
            return model.Generator.Electra.Embeddings.WordEmbeddings.grad!.clone();
        }
        var mlmOnly = GeneratorTableGrad(0, out var deltaMlmOnly);
        var joint = GeneratorTableGrad(50, out var deltaJoint);
        Assert.Equal(0, (joint - mlmOnly).abs().max().item<float>()); // the RTD loss does not reach E_G
        Assert.True(mlmOnly.abs().sum().item<float>() > 0, "the MLM loss does not reach the generator's table");
        Assert.Equal(0, deltaMlmOnly.abs().max().item<float>());
        Assert.True(deltaJoint.abs().sum().item<float>() > 0, "the RTD loss does not reach the discriminator's delta");

        // Deltas start at zero; after a step the exported discriminator (tables E_G + Δ) is a plain HF model that
        // gives the in-memory discriminator's logits.
        using var trained = TinyModels.Objective(seed: 3, new ReplacedTokenDetectionOptions { Sharing = EmbeddingSharing.Gdes });
        Assert.Equal(0, trained.Discriminator.Electra.Embeddings.WordEmbeddings.abs().max().item<float>());
        var (bids, bmask, btypes) = TinyModels.Batch(2, 16);
        using (var optimizer = new AdamWeightDecay(AdamWeightDecay.DefaultGroups(trained, 0.01), new OptimizerOptions { BiasCorrection = true }))
        {
            trained.Forward(bids, bmask, btypes, new torch.Generator(5)).Loss.backward();
            optimizer.Step(1e-2);
        }
        Assert.True(trained.Discriminator.Electra.Embeddings.WordEmbeddings.abs().max().item<float>() > 0);
        using var dir = new TestPaths.TempDir();
        Directory.CreateDirectory(dir["tokenizer"]);
        File.WriteAllLines(Path.Combine(dir["tokenizer"], "vocab.txt"), Enumerable.Range(0, 100).Select(i => $"t{i}"));
        PretrainingExport.Save(trained, dir.Path, dir["tokenizer"]);
        trained.eval();
        using var loaded = Interop.Pretrained.LoadDiscriminator(dir["discriminator"]);
        loaded.eval();
        using var noGrad = no_grad();
        var difference = (trained.Discriminator.call(bids, bmask, btypes) - loaded.call(bids, bmask, btypes)).abs().max().item<float>();
        Assert.True(difference < 1e-5, $"the exported discriminator's logits differ by {difference}");
    }

    [Fact]
    public void Loss_falls_and_a_fixed_batch_is_overfit()
    {
        using var model = TinyModels.Objective(seed: 3);
        var opt = new AdamWeightDecay(AdamWeightDecay.DefaultGroups(model, 0.01), new OptimizerOptions());
        var (ids, mask, types) = TinyModels.Batch(8, 24);
        var rng = new torch.Generator(11);
        var masked = new Masking(new MaskingOptions(), SpecialTokens.Default, 100).Apply(ids, mask, new torch.Generator(5));
        double firstMlm = 0, lastMlm = 0;
        for (int step = 0; step < 150; step++)
        {
            using var scope = NewDisposeScope();
            model.zero_grad();
            var m = model.Forward(ids, mask, types, masked, rng);
            m.Loss.backward();
            opt.Step(3e-3);
            if (step == 0) firstMlm = m.GeneratorLoss.item<float>();
            lastMlm = m.GeneratorLoss.item<float>();
        }
        Assert.True(lastMlm < 0.1 * firstMlm, $"generator loss {firstMlm:F3} → {lastMlm:F3}: a fixed batch was not memorised");
        Assert.Equal(0, opt.SkippedSteps.item<long>());
    }

    [Fact]
    public void Same_seed_same_losses_and_parameters()
    {
        double[] Run()
        {
            using var model = TinyModels.Objective(seed: 5);
            var opt = new AdamWeightDecay(AdamWeightDecay.DefaultGroups(model, 0.01), new OptimizerOptions());
            var (ids, mask, types) = TinyModels.Batch(4, 20);
            torch.manual_seed(9);
            var losses = new List<double>();
            for (int step = 0; step < 5; step++)
            {
                using var scope = NewDisposeScope();
                model.zero_grad();
                var m = model.Forward(ids, mask, types);
                m.Loss.backward();
                opt.Step(1e-3);
                losses.Add(m.Loss.item<float>());
            }
            losses.Add(model.Discriminator.parameters().Sum(p => p.sum().item<float>()));
            return losses.ToArray();
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void Dispose_scopes_do_not_leak_tensors_across_steps()
    {
        using var model = TinyModels.Objective();
        var opt = new AdamWeightDecay(AdamWeightDecay.DefaultGroups(model, 0.01), new OptimizerOptions());
        var (ids, mask, types) = TinyModels.Batch(2, 16);
        long[] live = new long[6];
        for (int step = 0; step < 6; step++)
        {
            using (var scope = NewDisposeScope())
            {
                model.zero_grad();
                var m = model.Forward(ids, mask, types);
                m.Loss.backward();
                opt.Step(1e-3);
            }
            live[step] = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        }
        Assert.True(live[5] <= live[1], $"live tensors grew across steps: {string.Join(", ", live)}");
    }
}

public class InitializationTests
{
    [Fact]
    public void Truncated_normal_has_the_right_spread_and_bounds()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(0);
        var w = empty(200_000);
        Initialization.TruncatedNormal(w, 0.02);
        // A normal truncated at ±2σ has std 0.8796σ.
        Assert.Equal(0.8796 * 0.02, w.std().item<float>(), 4);
        Assert.True(w.abs().max().item<float>() <= 0.04f);
        Assert.Equal(0, w.mean().item<float>(), 3);
    }

    [Fact]
    public void New_models_start_with_the_pad_row_zero_and_layer_norms_at_one()
    {
        using var model = TinyModels.Objective();
        var table = model.Discriminator.Electra.Embeddings.WordEmbeddings;
        Assert.Equal(0, table[SpecialTokens.Default.Pad].abs().sum().item<float>());
        Assert.InRange(table[10].std().item<float>(), 0.005, 0.03);
        var ln = model.Discriminator.state_dict()["electra.encoder.layer.0.output.LayerNorm.weight"];
        Assert.True(ln.eq(1).all().item<bool>());
    }
}

public class AutocastTests
{
    [Fact]
    public void Bf16_autocast_tracks_fp32_and_keeps_losses_and_master_weights_fp32()
    {
        using var model = TinyModels.Objective(seed: 2);
        model.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (ids, mask, types) = TinyModels.Batch(2, 16);
        var reference = model.Discriminator.call(ids, mask, types);
        Tensor mixed;
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            mixed = model.Discriminator.call(ids, mask, types);
            var m = model.Forward(ids, mask, types, new torch.Generator(1));
            Assert.Equal(ScalarType.Float32, m.Loss.dtype);
        }
        Assert.Null(Autocast.Current);
        Assert.Equal(ScalarType.Float32, model.Discriminator.parameters().First().dtype);
        Assert.True((mixed.to(ScalarType.Float32) - reference).abs().max().item<float>() < 0.05, "bf16 logits drift from fp32");
        Assert.False(mixed.equal(reference).all().item<bool>(), "autocast did not change the compute dtype");
    }
}
