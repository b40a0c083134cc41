using System.Runtime.InteropServices;
using Ect.Kernels.Cpu;

namespace Ect.Kernels.Cuda;

/// <summary>
/// A strided view as the kernels read it: the C struct <c>EctStrided</c> of ect_prelude.cuh (same field order and C
/// layout, 112 bytes), passed by value with <c>Args().Struct(…)</c>. Element with row-major flat index i over
/// <see cref="Shape"/> lives at <see cref="Offset"/> + Σ coordinate·stride elements from the storage's start.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct StridedDescriptor
{
    public const int MaxRank = 8;

    public int Rank;
    public fixed int Shape[MaxRank];
    public fixed long Stride[MaxRank];
    public long Offset;

    /// <summary>Operand <paramref name="operand"/> of <paramref name="rows"/>, whose axes are merged (size-1 axes
    /// dropped, mergeable neighbours joined: <see cref="StridedRows"/>).</summary>
    public static StridedDescriptor Of(StridedRows rows, int operand)
    {
        if (rows.Shape.Length > MaxRank)
            throw new NotSupportedException(
                $"a strided view with {rows.Shape.Length} axes that cannot be merged is beyond the CUDA kernels' {MaxRank}; make the tensor contiguous first");
        var d = new StridedDescriptor { Rank = rows.Shape.Length, Offset = rows.Offsets[operand] };
        for (int a = 0; a < d.Rank; a++)
        {
            d.Shape[a] = rows.Shape[a];
            d.Stride[a] = rows.Strides[operand][a];
        }
        return d;
    }

    /// <summary>The descriptors of <paramref name="operands"/>, each broadcast to <paramref name="shape"/> and its axes
    /// merged on its own (merging never reorders elements, so flat index i is the same element of the common shape in
    /// every operand; a contiguous operand becomes rank 1).</summary>
    public static StridedDescriptor[] Broadcast(ReadOnlySpan<int> shape, params Tensor[] operands)
    {
        var result = new StridedDescriptor[operands.Length];
        for (int k = 0; k < operands.Length; k++)
            result[k] = Of(new StridedRows(shape, [StridedRows.BroadcastStrides(operands[k], shape)], [operands[k].Offset]), 0);
        return result;
    }

    /// <summary>Axes <paramref name="axes"/> of <paramref name="x"/> (in that order) as one view starting at
    /// <paramref name="offset"/>: the rows or the reduced part of a reduction, the rows of a softmax.</summary>
    public static StridedDescriptor Axes(Tensor x, IReadOnlyList<int> axes, int offset)
    {
        var shape = new int[axes.Count];
        var stride = new int[axes.Count];
        for (int i = 0; i < axes.Count; i++) { shape[i] = x.Shape[axes[i]]; stride[i] = x.Strides[axes[i]]; }
        return Of(new StridedRows(shape, [stride], [offset]), 0);
    }

    /// <summary>[count] with stride <paramref name="stride"/> from element 0.</summary>
    public static StridedDescriptor Line(long count, long stride)
    {
        var d = new StridedDescriptor { Rank = 1 };
        d.Shape[0] = checked((int)count);
        d.Stride[0] = stride;
        return d;
    }
}
