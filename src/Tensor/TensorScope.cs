namespace Ect.Tensors;

/// <summary>
/// Owns every tensor created on this thread while it is open and disposes them when it closes, so the buffers of a
/// step's temporaries go back to the pool at once instead of waiting for the GC. Tensors that must outlive the scope
/// (updated weights, a loss to log) are handed out with <see cref="Keep"/>. Scopes nest; a tensor belongs to the
/// innermost one. Same idea as TorchSharp's NewDisposeScope.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? t_current;

    private readonly TensorScope? _outer;
    private readonly List<Tensor> _owned = [];
    private bool _disposed;

    private TensorScope(TensorScope? outer) => _outer = outer;

    public static TensorScope Begin() => t_current = new TensorScope(t_current);

    internal static void Track(Tensor tensor) => t_current?._owned.Add(tensor);

    /// <summary>Moves <paramref name="tensor"/> out of this scope (to the enclosing one, if any) and returns it.</summary>
    public Tensor Keep(Tensor tensor)
    {
        int i = _owned.LastIndexOf(tensor);
        if (i >= 0) _owned.RemoveAt(i);
        _outer?._owned.Add(tensor);
        return tensor;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (t_current != this)
            throw new InvalidOperationException("TensorScope closed out of order: dispose inner scopes before outer ones (use `using`)");
        t_current = _outer;
        foreach (var tensor in _owned) tensor.Dispose();
        _owned.Clear();
    }
}
