namespace Electra.FineTuning;

/// <summary>
/// An option value a run cannot take, named: <see cref="Option"/> is its snake_case key (as <c>results.json</c>'s
/// options and <c>question_answering.json</c> write it; <c>electra</c>'s flag is the same with dashes, e.g.
/// <c>--doc-stride</c>), the message says what is wrong with the value. A task kind's option check
/// (<c>Tasks.TaskFolderKind.ValidateOptions</c>) throws it before any work; the CLI reports it as a usage error.
/// </summary>
/// <param name="option">The option's snake_case key, e.g. <c>max_query_length</c>.</param>
/// <param name="message">What is wrong, with the value, e.g. <c>doc stride must be ≥ 1 (got 0)</c>.</param>
public sealed class OptionException(string option, string message) : ArgumentException(message)
{
    /// <summary>The option's snake_case key, e.g. <c>max_query_length</c>.</summary>
    public string Option { get; } = option;
}
