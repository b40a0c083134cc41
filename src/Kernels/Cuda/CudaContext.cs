using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using static Ect.Kernels.Cuda.Driver;

namespace Ect.Kernels.Cuda;

/// <summary>
/// One GPU: the primary context, one non-blocking stream, the stream-ordered caching allocator, the cuBLAS handle and
/// the NVRTC-compiled modules (compiled lazily per .cu file on first use, cached on disk). All GPU work runs on the
/// thread that calls; every public entry point makes the context current first, because the current context is per
/// OS thread (GPU.md §2.4).
///
/// NONE OF THIS HAS RUN ON A GPU YET. It follows GPU.md, whose driver, NVRTC and cuBLAS facts were checked without
/// a GPU (exports, signatures, error paths); what only a GPU can show (launches, copies, the allocator, cuBLAS
/// results) is exercised by `ect check --device cuda` on the first GPU machine.
/// </summary>
public sealed unsafe class CudaContext : IDisposable
{
    /// <summary>cuBLAS's recommended workspace on Hopper (GPU.md §4.1); set after the stream, which resets it.</summary>
    private const long CublasWorkspaceBytes = 32L << 20;
    /// <summary>Pinned staging for host↔device copies; larger copies go through it in chunks of this size.</summary>
    private const int StagingBytes = 16 << 20;

    private readonly int _device;
    private readonly nint _context, _stream, _pool, _cublas;
    private readonly ulong _cublasWorkspace;
    private readonly string _arch;
    private readonly Dictionary<string, nint> _modules = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Module, string Kernel), (nint Function, int SharedLimit)> _functions = [];
    private readonly ConcurrentQueue<ulong> _finalizedBlocks = new();
    private readonly KernelArgs _args = new();
    private readonly bool _syncEachLaunch = Environment.GetEnvironmentVariable("ECT_CUDA_SYNC") == "1";
    private byte* _staging;
    private nint _stagingEvent;
    private bool _disposed;

    private CudaContext(int ordinal)
    {
        Device = Device.Cuda(ordinal);
        Check(cuDeviceGet(out _device, ordinal));
        Name = ReadName(_device);
        Check(cuDeviceGetAttribute(out int major, CuAttribute.ComputeCapabilityMajor, _device));
        Check(cuDeviceGetAttribute(out int minor, CuAttribute.ComputeCapabilityMinor, _device));
        ComputeCapability = major * 10 + minor;
        Check(cuDeviceTotalMem_v2(out var total, _device));
        TotalMemory = (long)total;
        Check(cuDeviceGetAttribute(out int pools, CuAttribute.MemoryPoolsSupported, _device));
        if (pools == 0) throw new CudaUnavailableException($"CUDA not usable: {Name} has no stream-ordered memory pools (needs a CUDA 11.2+ driver)");

        Check(cuDevicePrimaryCtxRetain(out _context, _device));
        MakeCurrent();
        Check(cuStreamCreate(out _stream, CuAttribute.StreamNonBlocking));
        Check(cuDeviceGetDefaultMemPool(out _pool, _device));
        // The default release threshold (0) hands cached blocks back to the driver at every synchronisation; the
        // maximum keeps them, so after the first step a training step is served entirely from the pool (GPU.md §2.8).
        ulong keepAll = ulong.MaxValue;
        Check(cuMemPoolSetAttribute(_pool, CuAttribute.PoolReleaseThreshold, &keepAll));
        Check(cuEventCreate(out _stagingEvent, CuAttribute.EventDisableTiming));
        void* staging;
        Check(cuMemHostAlloc(out staging, StagingBytes, 0));
        _staging = (byte*)staging;

        Check(cuMemAllocAsync(out _cublasWorkspace, (nuint)CublasWorkspaceBytes, _stream));
        Cublas.Check(Cublas.cublasCreate_v2(out _cublas), "cublasCreate_v2");
        Cublas.Check(Cublas.cublasSetStream_v2(_cublas, _stream), "cublasSetStream_v2");
        Cublas.Check(Cublas.cublasSetWorkspace_v2(_cublas, _cublasWorkspace, (nuint)CublasWorkspaceBytes), "cublasSetWorkspace_v2");
        Cublas.Check(Cublas.cublasSetMathMode(_cublas, Cublas.DefaultMath), "cublasSetMathMode");

        _arch = KernelCompiler.ArchitectureFor(ComputeCapability, Nvrtc.SupportedArchitectures());
    }

    /// <summary>Opens GPU <paramref name="ordinal"/>. Never throws for "no driver / no GPU / no library": returns
    /// false with <paramref name="reason"/> as one line saying why.</summary>
    public static bool TryOpen(int ordinal, out CudaContext? context, out string reason)
    {
        context = null;
        try
        {
            CudaLibraries.Require(CudaLibraries.Cuda);
            Check(cuInit(0));
            Check(cuDeviceGetCount(out int count));
            if (ordinal < 0 || ordinal >= count)
                throw new CudaUnavailableException($"cuda:{ordinal} does not exist: this machine has {count} GPU{(count == 1 ? "" : "s")}" +
                    (count > 0 ? $" (cuda:0{(count > 1 ? $" … cuda:{count - 1}" : "")})" : ""));
            // Load the toolkit libraries now, so a missing one is reported here and not in the middle of a step.
            CudaLibraries.Require(CudaLibraries.Nvrtc);
            CudaLibraries.Require(CudaLibraries.Cublas);
            context = new CudaContext(ordinal);
            reason = "";
            return true;
        }
        catch (Exception e) when (e is CudaUnavailableException or CudaException or CublasException or KernelCompileException
                                       or DllNotFoundException or EntryPointNotFoundException)
        {
            reason = OneLine(e is CudaException cuda && cuda.Result is CuResult.NoDevice or CuResult.InvalidDevice or CuResult.StubLibrary or CuResult.NotInitialized
                ? $"CUDA not available: {e.Message}" : e.Message);
            return false;
        }
    }

    internal static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    public Device Device { get; }

    /// <summary>"NVIDIA H100 80GB HBM3".</summary>
    public string Name { get; }

    /// <summary>Major·10 + minor: 90 for H100/H200.</summary>
    public int ComputeCapability { get; }

    public long TotalMemory { get; }

    /// <summary>float32 products in TF32 (≈1e-3 relative error): fine for training, wrong for tight parity. Off by default.</summary>
    public bool AllowTf32 { get; set; }

    /// <summary>"sm_90" (a CUBIN) or "compute_XY" (PTX the driver JITs) for this device and NVRTC.</summary>
    public string Architecture => _arch;

    /// <summary>The current context belongs to the OS thread; set it at every entry point (cheap).</summary>
    private void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Check(cuCtxSetCurrent(_context));
    }

    // ---- memory ----

    /// <summary>A block of <paramref name="length"/> elements from the stream-ordered pool; contents unspecified.</summary>
    public CudaStorage Allocate(int length, DType dtype)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        MakeCurrent();
        DrainFinalizedBlocks();
        if (length == 0) return new CudaStorage(this, 0, 0, dtype);
        long bytes = (long)length * dtype.Size();
        var result = cuMemAllocAsync(out ulong pointer, (nuint)bytes, _stream);
        if (result == CuResult.OutOfMemory)
        {
            // Blocks freed by finalizers or still in flight may come back after the stream drains: one retry.
            Check(cuStreamSynchronize(_stream));
            DrainFinalizedBlocks();
            result = cuMemAllocAsync(out pointer, (nuint)bytes, _stream);
        }
        if (result == CuResult.OutOfMemory) throw new OutOfMemoryException(OutOfMemoryMessage(bytes));
        Check(result, "cuMemAllocAsync");
        return new CudaStorage(this, pointer, length, dtype);
    }

    private string OutOfMemoryMessage(long asked)
    {
        long free = -1, total = TotalMemory, reserved = -1, used = -1;
        if (cuMemGetInfo_v2(out var f, out var t) == CuResult.Success) { free = (long)f; total = (long)t; }
        ulong value;
        if (cuMemPoolGetAttribute(_pool, CuAttribute.PoolReservedMemCurrent, &value) == CuResult.Success) reserved = (long)value;
        if (cuMemPoolGetAttribute(_pool, CuAttribute.PoolUsedMemCurrent, &value) == CuResult.Success) used = (long)value;
        return DeviceMemory.OutOfMemoryMessage(Device, Name, asked, free, total, reserved, used);
    }

    /// <summary>Returns a block to the pool, ordered after the work already queued on the stream.</summary>
    internal void Free(ulong pointer)
    {
        if (_disposed) return;   // the pool went with the context
        MakeCurrent();
        Check(cuMemFreeAsync(pointer, _stream));
    }

    /// <summary>From a finalizer: no context on that thread and kernels may still use the block, so only queue it.</summary>
    internal void FreeLater(ulong pointer)
    {
        if (!_disposed) _finalizedBlocks.Enqueue(pointer);
    }

    private void DrainFinalizedBlocks()
    {
        while (_finalizedBlocks.TryDequeue(out ulong pointer)) Check(cuMemFreeAsync(pointer, _stream));
    }

    /// <summary>Bytes the pool holds from the driver, and bytes handed out to live tensors.</summary>
    public (long Reserved, long Used) PoolBytes()
    {
        MakeCurrent();
        ulong reserved, used;
        Check(cuMemPoolGetAttribute(_pool, CuAttribute.PoolReservedMemCurrent, &reserved));
        Check(cuMemPoolGetAttribute(_pool, CuAttribute.PoolUsedMemCurrent, &used));
        return ((long)reserved, (long)used);
    }

    /// <summary>Copies host → device through the pinned staging buffer (an async copy from pageable memory would be
    /// synchronous anyway, and a `fixed` managed array must never feed an async copy, GPU.md §2.7). Returns once the
    /// data is staged; the copy itself completes in stream order.</summary>
    public void CopyToDevice<T>(ReadOnlySpan<T> source, ulong destination) where T : unmanaged
    {
        MakeCurrent();
        var bytes = MemoryMarshal.AsBytes(source);
        for (int done = 0; done < bytes.Length; done += StagingBytes)
        {
            int chunk = Math.Min(StagingBytes, bytes.Length - done);
            Check(cuEventSynchronize(_stagingEvent));   // the previous chunk has left the staging buffer
            bytes.Slice(done, chunk).CopyTo(new Span<byte>(_staging, chunk));
            Check(cuMemcpyHtoDAsync_v2(destination + (ulong)done, _staging, (nuint)chunk, _stream));
            Check(cuEventRecord(_stagingEvent, _stream));
        }
    }

    /// <summary>Copies device → host; waits for the stream (so it also surfaces earlier asynchronous errors).</summary>
    public void CopyToHost<T>(ulong source, Span<T> destination) where T : unmanaged
    {
        MakeCurrent();
        var bytes = MemoryMarshal.AsBytes(destination);
        for (int done = 0; done < bytes.Length; done += StagingBytes)
        {
            int chunk = Math.Min(StagingBytes, bytes.Length - done);
            Check(cuMemcpyDtoHAsync_v2(_staging, source + (ulong)done, (nuint)chunk, _stream));
            Check(cuStreamSynchronize(_stream));
            new ReadOnlySpan<byte>(_staging, chunk).CopyTo(bytes.Slice(done, chunk));
        }
    }

    /// <summary>Device → device, in stream order.</summary>
    public void CopyOnDevice(ulong source, ulong destination, long bytes)
    {
        MakeCurrent();
        if (bytes > 0) Check(cuMemcpyDtoDAsync_v2(destination, source, (nuint)bytes, _stream));
    }

    public void Zero(ulong destination, long bytes)
    {
        MakeCurrent();
        if (bytes <= 0) return;
        if (bytes % 4 == 0 && destination % 4 == 0) Check(cuMemsetD32Async(destination, 0, (nuint)(bytes / 4), _stream));
        else Check(cuMemsetD8Async(destination, 0, (nuint)bytes, _stream));
    }

    public void Synchronize()
    {
        MakeCurrent();
        Check(cuStreamSynchronize(_stream));
    }

    // ---- kernels ----

    /// <summary>The launch-argument builder, cleared. One launch at a time: fill it, then pass it to Launch.</summary>
    public KernelArgs Args() => _args.Clear();

    /// <summary>Launches extern "C" kernel <paramref name="kernel"/> of module <paramref name="module"/> (the .cu file
    /// name without extension) on the context's stream. The module is compiled (or read from the disk cache) and
    /// loaded at its first launch.</summary>
    public void Launch(string module, string kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args)
    {
        MakeCurrent();
        var function = Function(module, kernel, sharedBytes);
        var buffer = args.Buffer;
        void** pointers = stackalloc void*[Math.Max(args.Count, 1)];
        fixed (byte* bytes = buffer)
        {
            args.PointParameters(bytes, pointers);
            var result = cuLaunchKernel(function, grid.X, grid.Y, grid.Z, block.X, block.Y, block.Z, (uint)sharedBytes, _stream, pointers, null);
            if (result != CuResult.Success)
                throw new CudaException(result, $"cuLaunchKernel({module}.{kernel}, grid {grid}, block {block}, {sharedBytes} B shared)", Describe(result));
        }
        // Debugging aid (GPU.md §8.7): a fault inside a kernel otherwise surfaces at some later call.
        if (_syncEachLaunch)
        {
            var result = cuStreamSynchronize(_stream);
            if (result != CuResult.Success) throw new CudaException(result, $"{module}.{kernel} (ECT_CUDA_SYNC=1)", Describe(result));
        }
    }

    private nint Function(string module, string kernel, int sharedBytes)
    {
        if (_functions.TryGetValue((module, kernel), out var known) && sharedBytes <= known.SharedLimit) return known.Function;
        nint function = known.Function;
        if (function == 0)
        {
            var image = LoadModule(module);
            var name = Encoding.UTF8.GetBytes(kernel + "\0");
            fixed (byte* n = name)
            {
                var result = cuModuleGetFunction(out function, image, n);
                if (result != CuResult.Success)
                    throw new CudaException(result, $"cuModuleGetFunction({module}.{kernel}): is the kernel declared extern \"C\" __global__?", Describe(result));
            }
        }
        int limit = Math.Max(known.SharedLimit, 48 << 10);
        if (sharedBytes > limit)
        {
            // Above 48 KiB a kernel must opt in to more dynamic shared memory, once per function.
            Check(cuFuncSetAttribute(function, CuAttribute.FuncMaxDynamicSharedSizeBytes, sharedBytes));
            limit = sharedBytes;
        }
        _functions[(module, kernel)] = (function, limit);
        return function;
    }

    private nint LoadModule(string module)
    {
        if (_modules.TryGetValue(module, out var loaded)) return loaded;
        var compiled = KernelCompiler.GetOrCompile(module, _arch);
        nint handle;
        fixed (byte* image = compiled.Image)
        {
            var result = cuModuleLoadData(out handle, image);
            if (result != CuResult.Success)
                throw new CudaException(result, $"cuModuleLoadData({module}, {_arch} {(compiled.IsCubin ? "CUBIN" : "PTX")})", Describe(result));
        }
        return _modules[module] = handle;
    }

    // ---- cuBLAS ----

    /// <summary>
    /// Row-major, strided-batched: C_i[m,n] = α·op(A_i)·op(B_i) + β·C_i for i &lt; batch; A_i stored [m,k] ([k,m] if
    /// transA), B_i stored [k,n] ([n,k] if transB), contiguous rows; stride 0 broadcasts an operand (⚠️ cuBLAS's
    /// acceptance of stride 0 for A/B is not verified on a GPU). float32 (FP32, or TF32 with <see cref="AllowTf32"/>)
    /// and float64.
    /// </summary>
    public void Gemm(bool transA, bool transB, int m, int n, int k, double alpha,
                     ulong a, long strideA, ulong b, long strideB, double beta, ulong c, long strideC, int batch, DType dtype)
    {
        MakeCurrent();
        var g = RowMajorGemm.Map(transA, transB, m, n, k, a, strideA, b, strideB, c, strideC, batch);
        if (g.M == 0 || g.N == 0 || g.Batch == 0) return;
        int type = dtype == DType.Float64 ? Cublas.R64F : Cublas.R32F;
        int compute = dtype == DType.Float64 ? Cublas.Compute64F : AllowTf32 ? Cublas.Compute32FFastTF32 : Cublas.Compute32F;
        // The scalars' type follows the compute type (float for the 32F ones): a double read as float is silently wrong.
        float alpha32 = (float)alpha, beta32 = (float)beta;
        void* pAlpha = dtype == DType.Float64 ? &alpha : &alpha32;
        void* pBeta = dtype == DType.Float64 ? &beta : &beta32;
        Cublas.Check(Cublas.cublasGemmStridedBatchedEx(_cublas,
            g.TransA ? Cublas.OpT : Cublas.OpN, g.TransB ? Cublas.OpT : Cublas.OpN, g.M, g.N, g.K,
            pAlpha, g.A, type, g.Lda, g.StrideA, g.B, type, g.Ldb, g.StrideB,
            pBeta, g.C, type, g.Ldc, g.StrideC, g.Batch, compute, Cublas.GemmDefault),
            $"cublasGemmStridedBatchedEx(m {m}, n {n}, k {k}, batch {batch}, {dtype.Name()})");
    }

    // ---- lifetime ----

    private static string ReadName(int device)
    {
        var buffer = new byte[256];
        fixed (byte* p = buffer) Check(cuDeviceGetName(p, buffer.Length, device));
        return Encoding.UTF8.GetString(buffer, 0, Math.Max(0, Array.IndexOf(buffer, (byte)0))).Trim();
    }

    /// <summary>Waits for the stream, then releases cuBLAS, the modules, the stream and the primary context, in
    /// that order (handles before the context, GPU.md §8.6). Tensors still on this device become unusable.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        MakeCurrent();
        cuStreamSynchronize(_stream);
        _disposed = true;
        Cublas.cublasDestroy_v2(_cublas);
        cuMemFreeAsync(_cublasWorkspace, _stream);
        foreach (var module in _modules.Values) cuModuleUnload(module);
        cuMemFreeHost(_staging);
        _staging = null;
        cuEventDestroy_v2(_stagingEvent);
        cuStreamSynchronize(_stream);
        cuStreamDestroy_v2(_stream);
        cuDevicePrimaryCtxRelease_v2(_device);
    }

    public override string ToString() => $"{Device} ({Name}, sm_{ComputeCapability}, {DeviceMemory.Format(TotalMemory)})";
}
