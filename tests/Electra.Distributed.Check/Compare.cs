using Electra.Interop;
using static TorchSharp.torch;

namespace Electra.Distributed.Check;

/// <summary>
/// Compares two safetensors files tensor by tensor (same keys, same shapes) and prints the largest absolute
/// difference: how .ci/run checks that a data-parallel `pretrain` ends where the single-process one does.
/// </summary>
static class Compare
{
    public static int Run(CheckOptions o)
    {
        var (left, right) = o.Compare!.Value;
        var a = SafeTensors.Load(left);
        var b = SafeTensors.Load(right);
        try
        {
            if (!a.Keys.Order().SequenceEqual(b.Keys.Order()))
                throw new InvalidDataException($"{left} and {right} hold different tensors: {string.Join(", ", a.Keys.Except(b.Keys).Concat(b.Keys.Except(a.Keys)))}");
            double worst = 0;
            string worstKey = "";
            foreach (var (key, x) in a)
            {
                var y = b[key];
                if (!x.shape.SequenceEqual(y.shape))
                    throw new InvalidDataException($"{key}: shape [{string.Join(", ", x.shape)}] in {left} but [{string.Join(", ", y.shape)}] in {right}");
                using var difference = (x.to(ScalarType.Float64) - y.to(ScalarType.Float64)).abs().max();
                double d = difference.item<double>();
                if (d > worst || worstKey == "") (worst, worstKey) = (d, key);
            }
            bool ok = o.ExpectDifferent ? worst > o.Tolerance : worst <= o.Tolerance;
            Console.WriteLine($"compare: max |a − b| = {worst:E2} ({worstKey}) over {a.Count} tensors, " +
                              $"{(o.ExpectDifferent ? "expected above" : "tolerance")} {o.Tolerance:E0}: {(ok ? "OK" : "FAILED")}");
            return ok ? 0 : 1;
        }
        finally
        {
            foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
        }
    }
}
