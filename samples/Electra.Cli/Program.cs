using Electra.Cli;
using Electra.Native;

// Before libtorch loads: idle OpenMP workers sleep instead of spinning (docs/performance.md: 10× on a loaded machine).
OpenMp.ApplyWaitPolicy("PASSIVE");
return CommandLine.Run(args);
