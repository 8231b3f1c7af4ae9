using Electra.Cli;
using Electra.Native;

// Before libtorch loads: idle OpenMP workers sleep instead of spinning (docs/performance.md: 10× on a loaded machine).
OpenMp.ApplyWaitPolicy("PASSIVE");
// and glibc keeps freed activations for the next step instead of returning them to the kernel (docs/performance.md).
CpuAllocator.Configure();
return CommandLine.Run(args);
