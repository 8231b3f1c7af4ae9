namespace Electra.Native;

/// <summary>
/// Keeps native memory flat across training steps. Every <c>double</c> or <c>long</c> passed to a TorchSharp op
/// (<c>x.mul_(0.5)</c>, <c>clamp_(…)</c>) becomes a <c>Scalar</c>, a small native object that only its finalizer
/// frees (measured: 10,000 <c>mul_(1.0)</c> leave 10,000 objects pending finalization). A step allocates so little
/// managed memory that the GC may not run for hundreds of steps; meanwhile glibc's heap fragments around those small
/// blocks and cannot reuse the large freed activations between them. Measured on Tiny pre-training (batch 8): RSS
/// 870 → 1,950 MB over 300 steps with every tensor disposed; with a gen-0 collection after each step it stays at
/// ≈ 370 MB and the step time does not change.
/// </summary>
internal static class FinalizedHandles
{
    /// <summary>Runs a gen-0 collection (well under a millisecond here), queueing the step's dead Scalars for their finalizers.</summary>
    public static void ReleaseAfterStep() => GC.Collect(0, GCCollectionMode.Forced, blocking: true);
}
