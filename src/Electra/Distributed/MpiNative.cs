using System.Runtime.InteropServices;

namespace Electra.Distributed;

/// <summary>
/// The slice of Open MPI's C ABI that <see cref="Mpi"/> calls, bound at run time from <c>libmpi.so.40</c>.
/// In Open MPI the predefined handles (<c>MPI_COMM_WORLD</c>, <c>MPI_FLOAT</c>, <c>MPI_SUM</c>, ...) are the
/// addresses of exported globals such as <c>ompi_mpi_comm_world</c>, so they come from the symbol table, not
/// from constants (MPICH and Microsoft MPI use integer handles: their ABI is not supported).
/// Function pointers instead of <c>[DllImport]</c> keep the load explicit: nothing touches libmpi until a job
/// launched by mpirun/srun asks for it, and a failed load is explained in terms a user can act on.
/// </summary>
internal sealed unsafe class MpiNative
{
    /// <summary><c>MPI_SUCCESS</c>.</summary>
    public const int Success = 0;

    /// <summary><c>MPI_MAX_ERROR_STRING</c> in Open MPI's mpi.h.</summary>
    public const int MaxErrorString = 256;

    /// <summary><c>MPI_THREAD_SERIALIZED</c>: any thread may call MPI, never two at once.</summary>
    public const int ThreadSerialized = 2;

    /// <summary><c>MPI_IN_PLACE</c> in Open MPI is <c>(void*)1</c>.</summary>
    public static readonly nint InPlace = 1;

    /// <summary>The Debian packages that provide the library, named in every load error.</summary>
    public const string InstallAdvice = "install Open MPI (Debian/Ubuntu: apt-get install -y openmpi-bin libopenmpi-dev)";

    public readonly nint CommWorld, Float, Double, LongLong, Sum, ErrorsReturn;

    public readonly delegate* unmanaged<int*, nint, int, int*, int> Init_thread;
    public readonly delegate* unmanaged<int*, int> Finalized;
    public readonly delegate* unmanaged<int> Finalize;
    public readonly delegate* unmanaged<nint, int*, int> Comm_rank;
    public readonly delegate* unmanaged<nint, int*, int> Comm_size;
    public readonly delegate* unmanaged<nint, nint*, int> Comm_dup;
    public readonly delegate* unmanaged<nint, nint, int> Comm_set_errhandler;
    public readonly delegate* unmanaged<int, byte*, int*, int> Error_string;
    public readonly delegate* unmanaged<nint, int, int> Abort;
    public readonly delegate* unmanaged<nint, nint*, int> Ibarrier;
    public readonly delegate* unmanaged<void*, int, nint, int, nint, int> Bcast;
    public readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> Allreduce;
    public readonly delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int> Isend;
    public readonly delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int> Irecv;
    public readonly delegate* unmanaged<nint*, int*, nint, int> Test;
    public readonly delegate* unmanaged<nint*, nint, int> Wait;

    MpiNative(nint lib, string name)
    {
        nint Symbol(string symbol) => NativeLibrary.TryGetExport(lib, symbol, out nint address)
            ? address
            : throw new DllNotFoundException(
                $"{name} does not export {symbol}: Electra binds Open MPI's ABI (4.x or 5.x), not MPICH, Intel MPI or Microsoft MPI; {InstallAdvice}.");

        CommWorld = Symbol("ompi_mpi_comm_world");
        Float = Symbol("ompi_mpi_float");
        Double = Symbol("ompi_mpi_double");
        LongLong = Symbol("ompi_mpi_long_long_int");
        Sum = Symbol("ompi_mpi_op_sum");
        ErrorsReturn = Symbol("ompi_mpi_errors_return");
        Init_thread = (delegate* unmanaged<int*, nint, int, int*, int>)Symbol("MPI_Init_thread");
        Finalized = (delegate* unmanaged<int*, int>)Symbol("MPI_Finalized");
        Finalize = (delegate* unmanaged<int>)Symbol("MPI_Finalize");
        Comm_rank = (delegate* unmanaged<nint, int*, int>)Symbol("MPI_Comm_rank");
        Comm_size = (delegate* unmanaged<nint, int*, int>)Symbol("MPI_Comm_size");
        Comm_dup = (delegate* unmanaged<nint, nint*, int>)Symbol("MPI_Comm_dup");
        Comm_set_errhandler = (delegate* unmanaged<nint, nint, int>)Symbol("MPI_Comm_set_errhandler");
        Error_string = (delegate* unmanaged<int, byte*, int*, int>)Symbol("MPI_Error_string");
        Abort = (delegate* unmanaged<nint, int, int>)Symbol("MPI_Abort");
        Ibarrier = (delegate* unmanaged<nint, nint*, int>)Symbol("MPI_Ibarrier");
        Bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Symbol("MPI_Bcast");
        Allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Symbol("MPI_Allreduce");
        Isend = (delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int>)Symbol("MPI_Isend");
        Irecv = (delegate* unmanaged<void*, int, nint, int, int, nint, nint*, int>)Symbol("MPI_Irecv");
        Test = (delegate* unmanaged<nint*, int*, nint, int>)Symbol("MPI_Test");
        Wait = (delegate* unmanaged<nint*, nint, int>)Symbol("MPI_Wait");
    }

    /// <summary>Loads <paramref name="library"/> (a file name the dynamic loader searches for, or a path) and binds every entry point.</summary>
    /// <exception cref="DllNotFoundException">The library is missing or is not Open MPI; the message says what to install.</exception>
    public static MpiNative Load(string library)
    {
        nint lib;
        try
        {
            lib = NativeLibrary.Load(library);
        }
        catch (DllNotFoundException e)
        {
            throw new DllNotFoundException(
                $"Cannot load the MPI library {library}, which this job needs because it was launched by mpirun/srun: {e.Message.Trim()} " +
                $"To fix it, {InstallAdvice}, or point MpiOptions.Library at libmpi.so.40.", e);
        }
        try
        {
            return new MpiNative(lib, library);
        }
        catch
        {
            NativeLibrary.Free(lib);
            throw;
        }
    }

    /// <summary>MPI's own text for <paramref name="code"/>, or the bare number when even that call fails.</summary>
    public string ErrorText(int code)
    {
        byte* text = stackalloc byte[MaxErrorString];
        int length = 0;
        return Error_string(code, text, &length) == Success
            ? System.Text.Encoding.ASCII.GetString(text, length)
            : $"MPI error {code}";
    }
}
