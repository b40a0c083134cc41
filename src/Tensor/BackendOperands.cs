namespace Ect.Tensors;

/// <summary>What every backend does with an input its kernel needs contiguous: use it as it is, or copy it once
/// through the backend's own Copy and release the copy when the kernel is done.</summary>
public static class BackendOperands
{
    /// <summary>x itself when contiguous, else a contiguous copy on x's device (release it with
    /// <see cref="DisposeIfCopy"/>).</summary>
    public static Tensor Dense(this ITensorBackend backend, Tensor x)
    {
        if (x.IsContiguous) return x;
        var copy = backend.Empty(x.Shape.AsSpan(), x.DType);
        backend.Copy(x, copy);
        return copy;
    }

    /// <summary>Disposes <paramref name="copy"/> when <see cref="Dense"/> made it, leaving the caller's tensor alone.</summary>
    public static void DisposeIfCopy(Tensor copy, Tensor original)
    {
        if (!ReferenceEquals(copy, original)) copy.Dispose();
    }
}
