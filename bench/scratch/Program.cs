using System.Diagnostics;
using Electra.Modeling;
using Electra.Pretraining;
using Electra.Training;
using TorchSharp;
using static TorchSharp.torch;

Electra.Native.TorchRuntime.EnsureLoaded();
int threads = int.Parse(args[2]);
torch.set_num_threads(threads);
var preset = args[0] == "small" ? ElectraPreset.Small : ElectraPreset.Tiny;
int B = int.Parse(args[1]), L = 128;
int reps = args.Length > 3 ? int.Parse(args[3]) : 4;
torch.manual_seed(0);
var model = ReplacedTokenDetection.FromPreset(preset, SpecialTokens.Default);
model.train();
var opt = new AdamWeightDecay(AdamWeightDecay.DefaultGroups(model, 0.01), new OptimizerOptions());
var ids = randint(5, 30522, new long[] { B, L });
var mask = ones(B, L, dtype: ScalarType.Int64);
var types = zeros(B, L, dtype: ScalarType.Int64);
var masking = new Masking(new MaskingOptions(), SpecialTokens.Default, 30522);
var proc = Process.GetCurrentProcess();
var acc = new Dictionary<string, (double Cpu, double Wall)>();
void T(string name, Action a) { proc.Refresh(); var c = proc.TotalProcessorTime; var w = Stopwatch.StartNew(); a(); proc.Refresh(); var o = acc.GetValueOrDefault(name); acc[name] = (o.Cpu + (proc.TotalProcessorTime - c).TotalMilliseconds, o.Wall + w.Elapsed.TotalMilliseconds); }
for (int it = 0; it < reps + 1; it++)
{
    if (it == 1) acc.Clear();
    using var scope = NewDisposeScope();
    MaskedBatch mb = null!; Tensor hidden = null!, logits = null!, mlm = null!, sampled = null!, fake = null!, dl = null!, loss = null!;
    T("mask", () => mb = masking.Apply(ids, mask));
    T("gen-encoder", () => hidden = model.Generator.Electra.call(mb.InputIds, mask, types));
    T("gen-head", () => logits = model.Generator.Predict(hidden.gather(1, mb.Positions.unsqueeze(-1).expand(-1, -1, hidden.shape[2]))));
    T("gen-loss", () => mlm = ReplacedTokenDetection.GeneratorLoss(logits, mb.Targets, mb.Weights));
    T("sample", () => { using var ng = no_grad(); sampled = ReplacedTokenDetection.SampleGumbelMax(logits.detach(), 1.0); fake = ids.scatter(1, mb.Positions, where(mb.Weights.gt(0), sampled, mb.Targets)); });
    T("disc", () => dl = model.Discriminator.call(fake, mask, types));
    T("disc-loss", () => loss = mlm + 50 * ReplacedTokenDetection.DiscriminatorLoss(dl, fake.ne(ids).to(ScalarType.Float32), mask.to(ScalarType.Float32)));
    T("backward", () => loss.backward());
    T("optimizer", () => opt.Step(5e-4));
    T("zero", () => model.zero_grad());
}
foreach (var (k, v) in acc) Console.WriteLine($"{k,-12} {v.Cpu / reps,8:F1} ms cpu {v.Wall / reps,8:F1} ms wall");
Console.WriteLine($"total {acc.Values.Sum(v => v.Cpu) / reps:F1} ms cpu {acc.Values.Sum(v => v.Wall) / reps:F1} ms wall; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
