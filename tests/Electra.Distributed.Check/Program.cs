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
using var mpi = Mpi.Initialize(new MpiOptions { CollectiveTimeout = TimeSpan.FromSeconds(options.TimeoutSeconds) });
int localRanks = int.TryParse(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_LOCAL_SIZE"), out int l) ? l : 1;
set_num_threads(options.Threads ?? Math.Max(1, Environment.ProcessorCount / localRanks));
int status = options.Bench ? Bench.Run(mpi, options) : Parity.Run(mpi, options);
mpi.Barrier("exit");
return status;
