namespace Ect.Autograd;

/// <summary>
/// Whether ops record the graph. <c>using (GradMode.NoGrad()) { … }</c> turns recording off on this thread, for
/// evaluation, optimizer updates, and the stop-gradient branch of the ECT target. Scopes nest (a counter, not a flag).
/// </summary>
public static class GradMode
{
    [ThreadStatic] private static int t_disabledDepth;

    public static bool IsEnabled => t_disabledDepth == 0;

    public static Scope NoGrad()
    {
        t_disabledDepth++;
        return new Scope(-1);
    }

    /// <summary>Re-enables recording inside a NoGrad region (used when backward must build a graph itself).</summary>
    public static Scope EnableGrad()
    {
        int saved = t_disabledDepth;
        t_disabledDepth = 0;
        return new Scope(saved);
    }

    public readonly struct Scope(int restoreTo) : IDisposable
    {
        public void Dispose()
        {
            if (restoreTo < 0) t_disabledDepth--;
            else t_disabledDepth = restoreTo;
        }
    }
}
