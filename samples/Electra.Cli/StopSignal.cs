using System.Runtime.InteropServices;

namespace Electra.Cli;

/// <summary>
/// SIGTERM (what batch schedulers and `kill` send) and Ctrl+C as a cancellation token, for a command that stops
/// between steps and writes nothing (finetune, on every kind of task): the first signal cancels and says so on stderr; a second Ctrl+C ends
/// the process at once. The command then returns <see cref="ExitCode"/> (130, as pretrain does when stopped).
/// </summary>
sealed class StopSignal : IDisposable
{
    /// <summary>The exit code of a command stopped by a signal.</summary>
    public const int ExitCode = 130;

    readonly CancellationTokenSource cancel = new();
    readonly PosixSignalRegistration term, interrupt;

    /// <param name="what">What stops, for the message: "fine-tuning stops at the end of this step".</param>
    StopSignal(string what)
    {
        void Stop(PosixSignalContext c, string name)
        {
            c.Cancel = !cancel.IsCancellationRequested;
            if (!c.Cancel) return;
            Signal = name;
            Console.Error.WriteLine($"\n{name}: {what}{(name == "Ctrl+C" ? " (Ctrl+C again to abort)" : "")}");
            cancel.Cancel();
        }
        term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, "SIGTERM"));
        interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, "Ctrl+C"));
    }

    /// <summary>
    /// Runs a fine-tuning <paramref name="train"/> that writes <paramref name="output"/> at its end, stoppable by
    /// SIGTERM or Ctrl+C between steps; null when a signal stopped it (after saying so on stderr), so the command
    /// returns <see cref="ExitCode"/>.
    /// </summary>
    public static T? FineTune<T>(string output, Func<CancellationToken, T> train) where T : class
    {
        using var stop = new StopSignal($"fine-tuning stops at the end of this step; nothing is written to {output}");
        try
        {
            return train(stop.Token);
        }
        catch (OperationCanceledException) when (stop.Signal is not null)
        {
            Console.Error.WriteLine($"stopped by {stop.Signal}; {output} was not written (run the command again to fine-tune)");
            return null;
        }
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => cancel.Token;

    /// <summary>The signal that stopped the command, or null.</summary>
    public string? Signal { get; private set; }

    public void Dispose()
    {
        term.Dispose();
        interrupt.Dispose();
        cancel.Dispose();
    }
}
