using Electra.Distributed;
using Electra.Distributed.Check;
using Electra.Native;
using static TorchSharp.torch;

CheckOptions options;
try
{
    options = CheckOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

TorchRuntime.EnsureLoaded();
if (options.Compare is not null) return Compare.Run(options);
using var mpi = Mpi.Initialize(new MpiOptions { CollectiveTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds) });
set_num_threads(options.Threads ?? Math.Max(1, Environment.ProcessorCount / mpi.LocalSize));
int status = options.Bench ? Bench.Run(mpi, options) : Parity.Run(mpi, options);
mpi.Barrier("exit");
return status;
