namespace Electra.FineTuning;

/// <summary>Filling a freshly built model from files without leaking its native tensors when that fails.</summary>
internal static class ModelBuild
{
    /// <summary>Runs <paramref name="fill"/> on <paramref name="model"/> and returns its result; disposes the model and rethrows if it throws.</summary>
    public static TResult Fill<TModel, TResult>(TModel model, Func<TModel, TResult> fill) where TModel : IDisposable
    {
        try
        {
            return fill(model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
