namespace Ect.Tensors;

/// <summary>Element type of a tensor. Float32 is the working type; Float64 exists for gradient checks and
/// reference computations, so every op is written once, generically, for both.</summary>
public enum DType
{
    Float32,
    Float64,
}

public static class DTypeExtensions
{
    /// <summary>Bytes per element.</summary>
    public static int Size(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>The lower-case name used in messages and checkpoint headers ("float32"), as PyTorch spells it.</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        _ => dtype.ToString(),
    };

    /// <summary>The dtype whose CLR element type is <typeparamref name="T"/>.</summary>
    public static DType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(double) ? DType.Float64
        : throw new NotSupportedException($"no dtype for element type {typeof(T).Name}; use float or double");
}
