namespace Ect.Autograd;

// Tensors created by ops on a given device (Tensor.Zeros and friends only know host memory).
public static partial class TensorOps
{
    /// <summary>A tensor filled with <paramref name="value"/> on <paramref name="device"/>.</summary>
    public static Tensor Full(ReadOnlySpan<int> shape, double value, DType dtype, Device device)
    {
        var backend = Backends.For(device);
        var t = backend.Empty(shape, dtype);
        backend.Fill(t, value);
        return t;
    }

    /// <summary>Zeros with the dtype and device of <paramref name="like"/>.</summary>
    public static Tensor ZerosLike(Tensor like, ReadOnlySpan<int> shape) => Full(shape, 0, like.DType, like.Device);
}
