namespace Electra.Distributed;

/// <summary>An MPI call returned an error code; the message names the call, the rank and MPI's own error text.</summary>
public sealed class MpiException : Exception
{
    /// <summary>Creates the exception for <paramref name="call"/> failing with <paramref name="errorCode"/>.</summary>
    public MpiException(string call, int errorCode, string message) : base(message)
    {
        Call = call;
        ErrorCode = errorCode;
    }

    /// <summary>The MPI function that failed, e.g. <c>MPI_Iallreduce</c>.</summary>
    public string Call { get; }

    /// <summary>The error code it returned (an MPI error class in Open MPI).</summary>
    public int ErrorCode { get; }
}
