using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Ect.Tensors;

/// <summary>
/// An N-dimensional strided view of a <see cref="Storage"/>: element (i0, i1, …) lives at
/// <c>Offset + Σ ik·Strides[k]</c> (in elements). Views (reshape, permute, slice, expand) make new Tensor objects
/// over the same storage; nothing is copied until an op needs contiguous data.
/// The math lives in the kernels room and the differentiable ops in the autograd room (extension methods there);
/// this class only describes memory plus the three fields autograd needs (<see cref="RequiresGrad"/>,
/// <see cref="Grad"/>, <see cref="GradFn"/>).
/// </summary>
public sealed class Tensor : IDisposable
{
    private bool _disposed;

    internal Tensor(Storage storage, ImmutableArray<int> shape, ImmutableArray<int> strides, int offset)
    {
        Storage = storage;
        Shape = shape;
        Strides = strides;
        Offset = offset;
        IsContiguous = ComputeIsContiguous(shape.AsSpan(), strides.AsSpan());
        TensorScope.Track(this);
    }

    /// <summary>A contiguous tensor over a fresh storage (the storage's single reference now belongs to it).</summary>
    public static Tensor FromStorage(Storage storage, ReadOnlySpan<int> shape)
    {
        foreach (int d in shape)
            if (d < 0) throw new TensorShapeException($"FromStorage: negative size in shape {Check.Fmt(shape)}");
        if (Shapes.Count(shape) > storage.Length)
            throw new TensorShapeException($"FromStorage: shape {Check.Fmt(shape)} needs {Shapes.Count(shape)} elements but the storage has {storage.Length}");
        return new Tensor(storage, [.. shape], [.. Shapes.ContiguousStrides(shape)], 0);
    }

    /// <summary>A view of this tensor's storage with other geometry. The caller guarantees the geometry stays inside
    /// the storage (the view helpers in <see cref="View"/> do).</summary>
    public Tensor ViewOf(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, int offset)
    {
        Storage.Retain();
        return new Tensor(Storage, [.. shape], [.. strides], offset);
    }

    public Storage Storage { get; private set; }
    public ImmutableArray<int> Shape { get; }
    /// <summary>Strides in elements, one per axis; 0 on an expanded (broadcast) axis.</summary>
    public ImmutableArray<int> Strides { get; private set; }
    /// <summary>Index of element (0, …, 0) in the storage, in elements.</summary>
    public int Offset { get; private set; }
    public bool IsContiguous { get; }
    public DType DType => Storage.DType;
    public Device Device => Storage.Device;
    public int Rank => Shape.Length;
    public long Count => Shapes.Count(Shape.AsSpan());

    /// <summary>Size of axis <paramref name="axis"/> (negative counts from the end).</summary>
    public int Dim(int axis) => Shape[Check.Axis("Dim", axis, Rank)];

    // ---- autograd bookkeeping (filled in by the autograd room) ----

    /// <summary>Whether gradients should flow to this tensor. Set it on leaves (parameters, inputs under test).</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>Accumulated gradient after <c>Backward()</c>: set on leaves that require grad.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The op that produced this tensor, or null for a leaf.</summary>
    public IGraphNode? GradFn { get; set; }

    public bool IsLeaf => GradFn is null;

    /// <summary>Optional label shown in graph dumps and error messages (parameter paths use it).</summary>
    public string? Name { get; set; }

    // ---- creation on the host (other devices create through their backend) ----

    public static Tensor Empty(ReadOnlySpan<int> shape, DType dtype = DType.Float32) => Allocate(shape, dtype, clear: false);

    public static Tensor Zeros(ReadOnlySpan<int> shape, DType dtype = DType.Float32) => Allocate(shape, dtype, clear: true);

    public static Tensor Ones(ReadOnlySpan<int> shape, DType dtype = DType.Float32) => Full(shape, 1.0, dtype);

    public static Tensor Full(ReadOnlySpan<int> shape, double value, DType dtype = DType.Float32)
    {
        var t = Allocate(shape, dtype, clear: false);
        if (dtype == DType.Float32) t.HostSpan<float>().Fill((float)value);
        else t.HostSpan<double>().Fill(value);
        return t;
    }

    /// <summary>A scalar (rank 0) tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full([], value, dtype);

    /// <summary>[start, start + step, …] below <paramref name="stop"/>, like numpy.arange.</summary>
    public static Tensor Arange(double start, double stop, double step = 1, DType dtype = DType.Float32)
    {
        if (step == 0 || double.IsNaN(start + stop + step))
            throw new TensorShapeException($"Arange: step must be non-zero and bounds finite (got start {start}, stop {stop}, step {step})");
        int n = Math.Max(0, (int)Math.Ceiling((stop - start) / step));
        var t = Allocate([n], dtype, clear: false);
        for (int i = 0; i < n; i++) t.SetDouble(i, start + i * step);
        return t;
    }

    /// <summary>Copies <paramref name="data"/> into a new tensor of the given shape (row-major).</summary>
    public static Tensor FromArray(float[] data, params int[] shape) => FromSpan<float>(data, shape);

    /// <inheritdoc cref="FromArray(float[], int[])"/>
    public static Tensor FromArray(double[] data, params int[] shape) => FromSpan<double>(data, shape);

    private static Tensor FromSpan<T>(ReadOnlySpan<T> data, int[] shape) where T : unmanaged
    {
        if (shape.Length == 0 && data.Length != 1) shape = [data.Length];
        if (Shapes.Count(shape) != data.Length)
            throw new TensorShapeException($"FromArray: {data.Length} values cannot fill shape {Check.Fmt(shape)} ({Shapes.Count(shape)} elements)");
        var t = Allocate(shape, DTypeExtensions.Of<T>(), clear: false);
        data.CopyTo(t.HostSpan<T>());
        return t;
    }

    private static Tensor Allocate(ReadOnlySpan<int> shape, DType dtype, bool clear)
    {
        long n = Shapes.Count(shape);
        foreach (int d in shape)
            if (d < 0) throw new TensorShapeException($"Allocate: negative size in shape {Check.Fmt(shape)}");
        if (n > Array.MaxLength)
            throw new TensorShapeException($"Allocate: shape {Check.Fmt(shape)} has {n} elements, more than one host array can hold ({Array.MaxLength})");
        Storage storage = dtype switch
        {
            DType.Float32 => new HostStorage<float>((int)n, clear),
            DType.Float64 => new HostStorage<double>((int)n, clear),
            _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
        };
        return FromStorage(storage, shape);
    }

    // ---- host element access (tests, gradient checks, printing) ----

    /// <summary>The whole host storage as a span (ignores this view's geometry). Throws for device tensors.</summary>
    public Span<T> StorageSpan<T>() where T : unmanaged => Host<T>().Span;

    /// <summary>This tensor's elements as one span. Requires a contiguous host tensor of element type T.</summary>
    public Span<T> HostSpan<T>() where T : unmanaged
    {
        if (!IsContiguous)
            throw new InvalidOperationException($"HostSpan: the tensor of shape {Check.Fmt(Shape.AsSpan())} is a non-contiguous view; call Contiguous() first");
        return Host<T>().Span.Slice(Offset, (int)Count);
    }

    private HostStorage<T> Host<T>() where T : unmanaged
    {
        if (Storage is HostStorage<T> host) return host;
        if (Device != Device.Cpu)
            throw new InvalidOperationException($"the tensor lives on {Device}; copy it to the CPU with .To(Device.Cpu) before reading elements");
        throw new InvalidOperationException($"the tensor holds {DType.Name()}, not {typeof(T).Name}");
    }

    /// <summary>Storage index of the element with row-major flat index <paramref name="flat"/> in this view.</summary>
    public int StorageIndex(long flat)
    {
        if ((ulong)flat >= (ulong)Count)
            throw new IndexOutOfRangeException($"flat index {flat} is outside a tensor of {Count} elements (shape {Check.Fmt(Shape.AsSpan())})");
        int index = Offset;
        for (int axis = Rank - 1; axis >= 0; axis--)
        {
            int size = Shape[axis];
            index += (int)(flat % size) * Strides[axis];
            flat /= size;
        }
        return index;
    }

    /// <summary>One element as double. On a device this copies the element to the host (it waits for the device):
    /// fine for a loss value, not for loops.</summary>
    public double GetDouble(long flat)
    {
        int index = StorageIndex(flat);
        if (Device != Device.Cpu) return DeviceValues(index, 1)[0];
        return DType == DType.Float32 ? Host<float>().Span[index] : Host<double>().Span[index];
    }

    // Elements [start, start + count) of a device storage, copied to the host as double.
    private double[] DeviceValues(int start, int count)
    {
        var values = new double[count];
        if (DType == DType.Float64) Storage.CopyToHost<double>(start, values);
        else
        {
            var floats = new float[count];
            Storage.CopyToHost<float>(start, floats);
            for (int i = 0; i < count; i++) values[i] = floats[i];
        }
        return values;
    }

    public void SetDouble(long flat, double value)
    {
        if (DType == DType.Float32) Host<float>().Span[StorageIndex(flat)] = (float)value;
        else Host<double>().Span[StorageIndex(flat)] = value;
    }

    /// <summary>The single value of a one-element tensor.</summary>
    public double Item()
    {
        if (Count != 1)
            throw new InvalidOperationException($"Item: the tensor has {Count} elements (shape {Check.Fmt(Shape.AsSpan())}); only one-element tensors convert to a number");
        return GetDouble(0);
    }

    /// <summary>All elements in row-major order, as double.</summary>
    public double[] ToDoubleArray()
    {
        var result = new double[Count];
        if (Device != Device.Cpu && result.Length > 0)
        {
            // One copy of the storage range this view spans, then the view's gather on the host.
            int first = Offset, last = Offset;
            for (int axis = 0; axis < Rank; axis++)
            {
                long reach = (long)(Shape[axis] - 1) * Strides[axis];
                if (reach < 0) first += (int)reach; else last += (int)reach;
            }
            var span = DeviceValues(first, last - first + 1);
            for (long i = 0; i < result.Length; i++) result[i] = span[StorageIndex(i) - first];
            return result;
        }
        for (long i = 0; i < result.Length; i++) result[i] = GetDouble(i);
        return result;
    }

    /// <summary>All elements in row-major order, as float.</summary>
    public float[] ToFloatArray() => Array.ConvertAll(ToDoubleArray(), v => (float)v);

    /// <summary>Makes this tensor use <paramref name="replacement"/>'s storage (same shape and dtype, both contiguous)
    /// and lets go of its own: PyTorch's <c>param.data = param.data.to(device)</c>, so everything holding this Tensor
    /// object (a module's fields, an optimizer's list) sees the move. For leaves only.</summary>
    internal void AdoptStorage(Tensor replacement)
    {
        if (GradFn is not null)
            throw new InvalidOperationException($"AdoptStorage: {this} is the output of an op; only leaves (parameters) can be moved in place");
        if (!Shape.AsSpan().SequenceEqual(replacement.Shape.AsSpan()) || DType != replacement.DType || !IsContiguous || !replacement.IsContiguous)
            throw new InvalidOperationException($"AdoptStorage: {replacement} cannot stand in for {this} (shape and dtype must match, both contiguous)");
        replacement.Storage.Retain();
        var old = Storage;
        Storage = replacement.Storage;
        Strides = replacement.Strides;
        Offset = replacement.Offset;
        old.Release();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Storage.Release();
    }

    public bool IsDisposed => _disposed || Storage.IsReleased;

    public override string ToString() =>
        $"Tensor({Check.Fmt(Shape.AsSpan())}, {DType.Name()}, {Device}{(RequiresGrad ? ", requires grad" : "")}{(GradFn is null ? "" : ", from " + GradFn.OpName)})";

    private static bool ComputeIsContiguous(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides)
    {
        int expected = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 1) continue; // a size-1 axis may carry any stride
            if (strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }
}
