using Electra.Cli;
using Electra.Native;

// Before libtorch loads: idle OpenMP workers spin briefly, then sleep (docs/performance.md: fast idle and under load).
OpenMp.ApplyWaitPolicy();
Mkl.PinReproducibility(); // bit-exact CPU runs (docs/performance.md, "Bit-exact runs")
return CommandLine.Run(args);
