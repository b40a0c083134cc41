namespace Ect.Kernels.Cpu;

/// <summary>
/// Walks several strided operands of one common shape row by row, where a row is the innermost axis after merging
/// every pair of neighbouring axes that all operands can merge (so a contiguous tensor is a single long row, and
/// [B, C, H, W] + [1, C, 1, 1] becomes rows of H·W with a stride-0 bias). Each row is handed to a kernel that sees
/// the operands' starting offsets, the row length and the operands' strides along the row, and can pick a SIMD path
/// for strides 1 and 0.
/// </summary>
internal sealed class StridedRows
{
    public readonly int[] Shape;        // merged shape; the last axis is the row
    public readonly int[][] Strides;    // per operand, per merged axis
    public readonly int[] Offsets;      // per operand, element (0, …, 0)

    public StridedRows(ReadOnlySpan<int> shape, int[][] strides, int[] offsets)
    {
        Offsets = offsets;
        int operands = strides.Length;
        var mergedShape = new List<int>();
        var mergedStrides = new List<int>[operands];
        for (int k = 0; k < operands; k++) mergedStrides[k] = [];
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue; // size-1 axes never move an offset
            int last = mergedShape.Count - 1;
            bool merge = last >= 0;
            for (int k = 0; k < operands && merge; k++)
                merge = mergedStrides[k][last] == strides[k][d] * shape[d];
            if (merge)
            {
                mergedShape[last] *= shape[d];
                for (int k = 0; k < operands; k++) mergedStrides[k][last] = strides[k][d];
            }
            else
            {
                mergedShape.Add(shape[d]);
                for (int k = 0; k < operands; k++) mergedStrides[k].Add(strides[k][d]);
            }
        }
        if (mergedShape.Count == 0)
        {
            mergedShape.Add(Shapes.Count(shape) == 0 ? 0 : 1);
            for (int k = 0; k < operands; k++) mergedStrides[k].Add(1);
        }
        Shape = mergedShape.ToArray();
        Strides = mergedStrides.Select(s => s.ToArray()).ToArray();
    }

    public int RowLength => Shape[^1];
    public long RowCount => Shape[^1] == 0 ? 0 : Shapes.Count(Shape) / Shape[^1];
    public int RowStride(int operand) => Strides[operand][^1];

    /// <summary>Calls <paramref name="row"/>(offsets) for rows [from, to); offsets is a per-call scratch array.</summary>
    public void ForRows(long from, long to, Action<int[]> row)
    {
        int operands = Offsets.Length, outer = Shape.Length - 1;
        var index = new int[Math.Max(outer, 1)];
        var offsets = new int[operands];
        // Decompose `from` into the odometer position of the outer axes.
        long rest = from;
        for (int d = outer - 1; d >= 0; d--) { index[d] = (int)(rest % Shape[d]); rest /= Shape[d]; }
        for (int k = 0; k < operands; k++)
        {
            int o = Offsets[k];
            for (int d = 0; d < outer; d++) o += index[d] * Strides[k][d];
            offsets[k] = o;
        }
        for (long r = from; r < to; r++)
        {
            row(offsets);
            // Advance the odometer by one row, carrying into outer axes.
            for (int d = outer - 1; d >= 0; d--)
            {
                index[d]++;
                for (int k = 0; k < operands; k++) offsets[k] += Strides[k][d];
                if (index[d] < Shape[d]) break;
                for (int k = 0; k < operands; k++) offsets[k] -= Strides[k][d] * Shape[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>Runs every row, split across cores by rows when the work is large.</summary>
    public void ForAllRows(Action<int[]> row, long costPerElement = 1) =>
        Threads.For(RowCount, RowLength * costPerElement, (from, to) => ForRows(from, to, row));

    /// <summary>An operand's strides after broadcasting it to <paramref name="shape"/> (stride 0 on broadcast axes).</summary>
    public static int[] BroadcastStrides(Tensor x, ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int lead = shape.Length - x.Rank;
        for (int i = 0; i < x.Rank; i++)
            strides[lead + i] = x.Shape[i] == 1 && shape[lead + i] != 1 ? 0 : x.Strides[i];
        return strides;
    }
}
