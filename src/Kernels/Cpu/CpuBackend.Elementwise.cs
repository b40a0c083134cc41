namespace Ect.Kernels.Cpu;

// Elementwise ops. Contiguous data goes through TensorPrimitives (vectorized, AVX-512 where present) in per-core
// chunks, except float32 exp, σ and SiLU, which FastMath computes in one pass at memory speed; broadcast binary ops pick a span-span, span-scalar or scalar-span primitive per merged row, and fall back
// to a scalar strided loop only for rows that are strided in memory.
public sealed unsafe partial class CpuBackend
{
    public Tensor Unary(UnaryOp op, Tensor x) =>
        x.DType == DType.Float32 ? Unary<float>(op, x) : Unary<double>(op, x);

    private Tensor Unary<T>(UnaryOp op, Tensor x) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var input = this.Dense(x);
        var y = Empty(x.Shape.AsSpan(), x.DType);
        var src = (HostStorage<T>)input.Storage; var dst = (HostStorage<T>)y.Storage;
        int offset = input.Offset;
        long cost = op is UnaryOp.Neg or UnaryOp.Abs or UnaryOp.Square or UnaryOp.Relu ? 1 : 16;
        Threads.For(y.Count, cost, (from, to) =>
        {
            var s = (ReadOnlySpan<T>)src.Span.Slice(offset + (int)from, (int)(to - from));
            var d = dst.Span.Slice((int)from, (int)(to - from));
            UnaryKernel(op, s, d);
        });
        BackendOperands.DisposeIfCopy(input, x);
        return y;
    }

    /// <summary>d[i] = op(s[i]) on contiguous spans.</summary>
    internal static void UnaryKernel<T>(UnaryOp op, ReadOnlySpan<T> s, Span<T> d) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryOp.Neg: TensorPrimitives.Negate(s, d); break;
            case UnaryOp.Exp when typeof(T) == typeof(float): FastMath.Exp(AsFloats(s), AsFloats(d)); break;
            case UnaryOp.Exp: TensorPrimitives.Exp(s, d); break;
            case UnaryOp.Log: TensorPrimitives.Log(s, d); break;
            case UnaryOp.Sqrt: TensorPrimitives.Sqrt(s, d); break;
            case UnaryOp.Rsqrt: TensorPrimitives.ReciprocalSqrt(s, d); break;
            case UnaryOp.Reciprocal: TensorPrimitives.Reciprocal(s, d); break;
            case UnaryOp.Sin: TensorPrimitives.Sin(s, d); break;
            case UnaryOp.Cos: TensorPrimitives.Cos(s, d); break;
            case UnaryOp.Tanh: TensorPrimitives.Tanh(s, d); break;
            case UnaryOp.Sigmoid when typeof(T) == typeof(float): FastMath.Sigmoid(AsFloats(s), AsFloats(d)); break;
            case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(s, d); break;
            case UnaryOp.Silu: NormalizeSilu(s, T.Zero, T.One, T.Zero, d); break;
            case UnaryOp.Relu: TensorPrimitives.Max(s, T.Zero, d); break;
            case UnaryOp.Abs: TensorPrimitives.Abs(s, d); break;
            case UnaryOp.Square: TensorPrimitives.Multiply(s, s, d); break;
            case UnaryOp.Sign:
                for (int i = 0; i < s.Length; i++) d[i] = T.IsNaN(s[i]) ? s[i] : T.CreateTruncating(T.Sign(s[i]));
                break;
            case UnaryOp.IsFinite:
                for (int i = 0; i < s.Length; i++) d[i] = T.IsFinite(s[i]) ? T.One : T.Zero;
                break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "unknown unary op");
        }
    }

    public Tensor Binary(BinaryOp op, Tensor x, Tensor y) =>
        x.DType == DType.Float32 ? Binary<float>(op, x, y) : Binary<double>(op, x, y);

    private Tensor Binary<T>(BinaryOp op, Tensor x, Tensor y) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var shape = Shapes.Broadcast(op.ToString(), x.Shape.AsSpan(), y.Shape.AsSpan());
        var z = Empty(shape, x.DType);
        var rows = new StridedRows(shape,
            [z.Strides.ToArray(), StridedRows.BroadcastStrides(x, shape), StridedRows.BroadcastStrides(y, shape)],
            [0, x.Offset, y.Offset]);
        var zs = (HostStorage<T>)z.Storage; var xs = (HostStorage<T>)x.Storage; var ys = (HostStorage<T>)y.Storage;
        int n = rows.RowLength, sx = rows.RowStride(1), sy = rows.RowStride(2);
        rows.ForAllRows(o =>
        {
            var d = zs.Span.Slice(o[0], n);
            if (sx == 1 && sy == 1) BinaryKernel<T>(op, xs.Span.Slice(o[1], n), ys.Span.Slice(o[2], n), d);
            else if (sx == 1 && sy == 0) BinaryKernel(op, xs.Span.Slice(o[1], n), ys.Span[o[2]], d);
            else if (sx == 0 && sy == 1) BinaryKernel(op, xs.Span[o[1]], ys.Span.Slice(o[2], n), d);
            else
            {
                var a = xs.Span; var b = ys.Span;
                for (int i = 0; i < n; i++) d[i] = Apply(op, a[o[1] + i * sx], b[o[2] + i * sy]);
            }
        }, op == BinaryOp.Pow ? 16 : 1);
        return z;
    }

    public Tensor BinaryScalar(BinaryOp op, Tensor x, double s, bool scalarFirst = false) =>
        x.DType == DType.Float32 ? BinaryScalar<float>(op, x, (float)s, scalarFirst) : BinaryScalar<double>(op, x, s, scalarFirst);

    private Tensor BinaryScalar<T>(BinaryOp op, Tensor x, T s, bool scalarFirst) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var input = this.Dense(x);
        var z = Empty(x.Shape.AsSpan(), x.DType);
        var src = (HostStorage<T>)input.Storage; var dst = (HostStorage<T>)z.Storage;
        int offset = input.Offset;
        Threads.For(z.Count, op == BinaryOp.Pow ? 16 : 1, (from, to) =>
        {
            var a = (ReadOnlySpan<T>)src.Span.Slice(offset + (int)from, (int)(to - from));
            var d = dst.Span.Slice((int)from, (int)(to - from));
            if (scalarFirst) BinaryKernel(op, s, a, d);
            else BinaryKernel(op, a, s, d);
        });
        BackendOperands.DisposeIfCopy(input, x);
        return z;
    }

    internal static void BinaryKernel<T>(BinaryOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(x, y, d); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(x, y, d); break;
            case BinaryOp.Div: TensorPrimitives.Divide(x, y, d); break;
            case BinaryOp.Pow: TensorPrimitives.Pow(x, y, d); break;
            case BinaryOp.Maximum: TensorPrimitives.Max(x, y, d); break;
            case BinaryOp.Minimum: TensorPrimitives.Min(x, y, d); break;
            default: Compare(op, x, y, default, default, d); break;
        }
    }

    internal static void BinaryKernel<T>(BinaryOp op, ReadOnlySpan<T> x, T y, Span<T> d) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(x, y, d); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(x, y, d); break;
            case BinaryOp.Div: TensorPrimitives.Divide(x, y, d); break;
            case BinaryOp.Pow: TensorPrimitives.Pow(x, y, d); break;
            case BinaryOp.Maximum: TensorPrimitives.Max(x, y, d); break;
            case BinaryOp.Minimum: TensorPrimitives.Min(x, y, d); break;
            default: Compare(op, x, default, default, y, d); break;
        }
    }

    internal static void BinaryKernel<T>(BinaryOp op, T x, ReadOnlySpan<T> y, Span<T> d) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(y, x, d); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(x, y, d); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(y, x, d); break;
            case BinaryOp.Div: TensorPrimitives.Divide(x, y, d); break;
            case BinaryOp.Pow: TensorPrimitives.Pow(x, y, d); break;
            case BinaryOp.Maximum: TensorPrimitives.Max(y, x, d); break;
            case BinaryOp.Minimum: TensorPrimitives.Min(y, x, d); break;
            default: Compare(op, default, y, x, default, d); break;
        }
    }

    /// <summary>
    /// Greater/Less/Equal as 1 or 0 in SIMD lanes (TensorPrimitives has no comparison that yields numbers; the dropout
    /// mask is one per U-Net block and step). An empty span stands for the scalar beside it. NaN compares false, as in
    /// <see cref="Apply{T}"/>.
    /// </summary>
    private static void Compare<T>(BinaryOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, T xScalar, T yScalar, Span<T> d)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (op is not (BinaryOp.Greater or BinaryOp.Less or BinaryOp.Equal))
            throw new ArgumentOutOfRangeException(nameof(op), op, "unknown binary op");
        bool xSpan = !x.IsEmpty, ySpan = !y.IsEmpty;
        var one = Vector<T>.One; var xs = new Vector<T>(xScalar); var ys = new Vector<T>(yScalar);
        int i = 0, width = Vector<T>.Count;
        for (; i <= d.Length - width; i += width)
        {
            var a = xSpan ? new Vector<T>(x[i..]) : xs;
            var b = ySpan ? new Vector<T>(y[i..]) : ys;
            var mask = op switch
            {
                BinaryOp.Greater => Vector.GreaterThan(a, b),
                BinaryOp.Less => Vector.LessThan(a, b),
                _ => Vector.Equals(a, b),
            };
            Vector.BitwiseAnd(mask, one).CopyTo(d[i..]);   // all-ones lanes keep 1's bits, zero lanes give +0
        }
        for (; i < d.Length; i++) d[i] = Apply(op, xSpan ? x[i] : xScalar, ySpan ? y[i] : yScalar);
    }

    /// <summary>The scalar definition of every binary op; the SIMD paths above must agree with it.</summary>
    internal static T Apply<T>(BinaryOp op, T a, T b) where T : unmanaged, IBinaryFloatingPointIeee754<T> => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        BinaryOp.Div => a / b,
        BinaryOp.Pow => T.Pow(a, b),
        BinaryOp.Maximum => T.Max(a, b),
        BinaryOp.Minimum => T.Min(a, b),
        BinaryOp.Greater => a > b ? T.One : T.Zero,
        BinaryOp.Less => a < b ? T.One : T.Zero,
        BinaryOp.Equal => a == b ? T.One : T.Zero,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown binary op"),
    };

    public Tensor Where(Tensor condition, Tensor a, Tensor b) =>
        a.DType == DType.Float32 ? Where<float>(condition, a, b) : Where<double>(condition, a, b);

    private Tensor Where<T>(Tensor condition, Tensor a, Tensor b) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var shape = Shapes.Broadcast("Where", Shapes.Broadcast("Where", condition.Shape.AsSpan(), a.Shape.AsSpan()), b.Shape.AsSpan());
        var z = Empty(shape, a.DType);
        var rows = new StridedRows(shape,
            [z.Strides.ToArray(), StridedRows.BroadcastStrides(condition, shape), StridedRows.BroadcastStrides(a, shape), StridedRows.BroadcastStrides(b, shape)],
            [0, condition.Offset, a.Offset, b.Offset]);
        var zs = (HostStorage<T>)z.Storage; var cs = (HostStorage<T>)condition.Storage;
        var xs = (HostStorage<T>)a.Storage; var ys = (HostStorage<T>)b.Storage;
        int n = rows.RowLength, sc = rows.RowStride(1), sa = rows.RowStride(2), sb = rows.RowStride(3);
        rows.ForAllRows(o =>
        {
            var d = zs.Span; var c = cs.Span; var x = xs.Span; var y = ys.Span;
            for (int i = 0; i < n; i++)
                d[o[0] + i] = c[o[1] + i * sc] != T.Zero ? x[o[2] + i * sa] : y[o[3] + i * sb];
        });
        return z;
    }

    public Tensor Clamp(Tensor x, double lo, double hi)
    {
        var lower = BinaryScalar(BinaryOp.Maximum, x, lo);
        var result = BinaryScalar(BinaryOp.Minimum, lower, hi);
        lower.Dispose();
        return result;
    }

    public Tensor NanToNum(Tensor x, double nan, double posInf, double negInf) =>
        x.DType == DType.Float32 ? NanToNum<float>(x, (float)nan, (float)posInf, (float)negInf) : NanToNum<double>(x, nan, posInf, negInf);

    private Tensor NanToNum<T>(Tensor x, T nan, T posInf, T negInf) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var input = this.Dense(x);
        var z = Empty(x.Shape.AsSpan(), x.DType);
        var src = (HostStorage<T>)input.Storage; var dst = (HostStorage<T>)z.Storage;
        int offset = input.Offset;
        Threads.For(z.Count, 2, (from, to) =>
        {
            var s = src.Span; var d = dst.Span;
            for (long i = from; i < to; i++)
            {
                T v = s[offset + (int)i];
                d[(int)i] = T.IsNaN(v) ? nan : T.IsPositiveInfinity(v) ? posInf : T.IsNegativeInfinity(v) ? negInf : v;
            }
        });
        BackendOperands.DisposeIfCopy(input, x);
        return z;
    }
}
