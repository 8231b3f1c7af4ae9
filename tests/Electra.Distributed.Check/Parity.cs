using TorchSharp;
using static TorchSharp.torch;

namespace Electra.Distributed.Check;

/// <summary>
/// The proof that data parallelism is exact: N ranks, each training on its slice of a fixed global batch with
/// gradients averaged by <see cref="GradientAllReduce"/>, end with the parameters rank 0 gets by training one copy
/// on the whole batch. Ranks start from different seeds, so the check also covers the parameter broadcast.
/// </summary>
static class Parity
{
    const int Vocab = 50, Embedding = 16, Hidden = 32, Classes = 5, Length = 6;
    const double Tolerance = 1e-5;
    const long BucketBytes = 2048; // several buckets, and a parameter (the 3.2 KB embedding) larger than one

    public static int Run(Mpi mpi, CheckOptions o)
    {
        if (o.Batch % mpi.Size != 0)
            throw new ArgumentException($"--batch {o.Batch} must be a multiple of the number of ranks {mpi.Size}.");
        int perRank = o.Batch / mpi.Size;
        var generator = new Generator(1234);
        using var ids = randint(Vocab, [o.Batch, Length], generator: generator);        // [G, T]
        using var labels = randint(Classes, [o.Batch, Length], generator: generator);   // [G, T]
        using var myIds = ids.narrow(0, mpi.Rank * perRank, perRank);                   // [G/N, T] this rank's slice
        using var myLabels = labels.narrow(0, mpi.Rank * perRank, perRank);

        using var model = Tagger(seed: 1 + mpi.Rank);
        mpi.BroadcastParameters(model);
        using var initial = Flatten(model);
        Tensor firstGradient;
        using (var reduce = new GradientAllReduce(mpi, model.parameters(), new GradientAllReduceOptions { BucketBytes = BucketBytes, Overlap = o.Overlap }))
        {
            if (mpi.IsRoot)
                Console.WriteLine($"parity: {mpi.Size} rank(s) × batch {perRank}, {o.Steps} AdamW steps, {reduce.BucketElements.Count} buckets " +
                                  $"({string.Join("+", reduce.BucketElements)} floats), overlap {o.Overlap}");
            firstGradient = Train(model, myIds, myLabels, o.Steps, step =>
            {
                if (o.Fault is not null && mpi.Rank == o.FaultRank && step == 2) InjectFault(mpi, o.Fault);
                reduce.AverageGradients();
            });
        }

        using var averagedGradient = firstGradient;
        using var mine = Flatten(model);
        using var rootCopy = mine.clone();
        mpi.Broadcast(rootCopy, 0, "final parameters");
        var spread = new double[mpi.Size];
        spread[mpi.Rank] = (mine - rootCopy).abs().max().item<float>();
        mpi.AllReduceSum(spread, "rank spread");

        SelfTestErrorReporting(mpi);
        if (!mpi.IsRoot) return 0;

        using var reference = Tagger(seed: 1);
        using var referenceGradient = Train(reference, ids, labels, o.Steps, _ => { });
        using var referenceFlat = Flatten(reference);
        double vsReference = (mine - referenceFlat).abs().max().item<float>();
        // Adam is nearly invariant to the gradient's scale, so the parameters alone would not notice a missing
        // division by the world size: compare the first step's averaged gradient too.
        double gradientVsReference = (averagedGradient - referenceGradient).abs().max().item<float>();
        double moved = (mine - initial).abs().max().item<float>();
        double vsRanks = spread.Max();
        // The control: rank 0's slice alone, without averaging, must land measurably elsewhere, or the check proves nothing.
        using var alone = Tagger(seed: 1);
        using var aloneGradient = Train(alone, myIds, myLabels, o.Steps, _ => { });
        using var aloneFlat = Flatten(alone);
        double control = (aloneFlat - referenceFlat).abs().max().item<float>();
        bool ok = vsReference <= Tolerance && gradientVsReference <= Tolerance && vsRanks <= Tolerance && moved > 100 * Tolerance && (mpi.Size == 1 || control > 100 * Tolerance);
        Console.WriteLine($"parity: max |data-parallel − single-process batch {o.Batch}| = {vsReference:E2} (step-1 gradient {gradientVsReference:E2}), max |rank − rank 0| = {vsRanks:E2}, " +
                          $"max |final − initial| = {moved:E2}, control without averaging {control:E2}, tolerance {Tolerance:E0}: {(ok ? "OK" : "FAILED")}");
        return ok ? 0 : 1;
    }

    /// <summary>Embedding → Linear → GELU → LayerNorm → Linear, tagging each token: [B, T] ids → [B, T, Classes].</summary>
    static nn.Module<Tensor, Tensor> Tagger(int seed)
    {
        manual_seed(seed);
        return nn.Sequential(
            ("word_embeddings", nn.Embedding(Vocab, Embedding)),
            ("dense", nn.Linear(Embedding, Hidden)),
            ("act", nn.GELU()),
            ("LayerNorm", nn.LayerNorm(Hidden)),
            ("classifier", nn.Linear(Hidden, Classes)));
    }

    /// <summary>Trains in place and returns the first step's gradient, as the optimizer saw it: [all parameters].</summary>
    static Tensor Train(nn.Module<Tensor, Tensor> model, Tensor ids, Tensor labels, int steps, Action<int> afterBackward)
    {
        var optimizer = optim.AdamW(model.parameters(), lr: 1e-2, weight_decay: 0.01);
        Tensor? first = null;
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var logits = model.call(ids).reshape(-1, Classes);                          // [B*T, C]
            nn.functional.cross_entropy(logits, labels.reshape(-1)).backward();         // mean over this rank's tokens
            afterBackward(step);
            if (step == 0)
                first = cat(model.parameters().Select(p => p.grad!.reshape(-1)).ToList(), 0).MoveToOuterDisposeScope(); // [all parameters]
            optimizer.step();
        }
        return first!;
    }

    static Tensor Flatten(nn.Module model)
    {
        using var scope = NewDisposeScope();
        return cat(model.parameters().Select(p => p.detach().reshape(-1)).ToList(), 0).MoveToOuterDisposeScope(); // [all parameters]
    }

    static void InjectFault(Mpi mpi, string fault)
    {
        Console.Error.WriteLine($"rank {mpi.Rank}: fault injection: {(fault == "exit" ? "exiting with code 3" : "hanging forever")} before step 2's all-reduce");
        Console.Error.Flush();
        if (fault == "exit") Environment.Exit(3);
        Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>An MPI error must surface as an MpiException naming the call and MPI's text, on every rank.</summary>
    static void SelfTestErrorReporting(Mpi mpi)
    {
        if (!mpi.IsDistributed) return;
        try
        {
            mpi.Broadcast(new float[1], root: mpi.Size, "invalid-root self-test");
        }
        catch (MpiException e) when (e.Call == "MPI_Bcast")
        {
            if (mpi.IsRoot) Console.WriteLine($"errors: an invalid root raised MpiException: {e.Message}");
            return;
        }
        throw new InvalidOperationException("A broadcast from a non-existent root did not raise MpiException.");
    }
}
