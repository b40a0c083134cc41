namespace Ect.Tests.Numerics;

/// <summary>Random test inputs. Never zeros: a kernel that ignores its input must not pass by accident.</summary>
public static class Data
{
    /// <summary>A tensor of N(0,1) values (float64 by default) from a fixed seed.</summary>
    public static Tensor Normal(int[] shape, ulong seed, DType dtype = DType.Float64) => TensorOps.RandomNormal(shape, seed, dtype);

    /// <summary>Uniform values in [lo, hi) (e.g. positive inputs for log and sqrt).</summary>
    public static Tensor Uniform(int[] shape, ulong seed, double lo, double hi, DType dtype = DType.Float64)
    {
        using var u = TensorOps.RandomUniform(shape, new Rng(seed), dtype);
        using (GradMode.NoGrad()) return u * (hi - lo) + lo;
    }

    /// <summary>A non-contiguous tensor of the given shape: the transpose of a contiguous tensor with the last two
    /// axes swapped, so strides differ from row-major while values are random.</summary>
    public static Tensor NonContiguous(int[] shape, ulong seed, DType dtype = DType.Float64)
    {
        var swapped = shape.ToArray();
        (swapped[^1], swapped[^2]) = (swapped[^2], swapped[^1]);
        var t = View.Permute(Normal(swapped, seed, dtype), View.SwapAxesOrder(shape.Length, -1, -2));
        Assert.That(t.IsContiguous, Is.False.Or.Property("Count").LessThanOrEqualTo(1));
        return t;
    }

    /// <summary>Marks x as a leaf that requires grad.</summary>
    public static Tensor Leaf(this Tensor x) => x.RequireGrad();
}
