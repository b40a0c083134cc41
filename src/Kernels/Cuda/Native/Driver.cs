using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ect.Kernels.Cuda;

/// <summary>CUresult values we name (values from CUDA 13.0's cuda.h, GPU.md §2.3).</summary>
public enum CuResult
{
    Success = 0, InvalidValue = 1, OutOfMemory = 2, NotInitialized = 3, Deinitialized = 4,
    StubLibrary = 34, NoDevice = 100, InvalidDevice = 101, InvalidImage = 200, InvalidContext = 201,
    NoBinaryForGpu = 209, InvalidPtx = 218, UnsupportedPtxVersion = 222, InvalidHandle = 400, NotFound = 500,
    NotReady = 600, IllegalAddress = 700, LaunchOutOfResources = 701, LaunchTimeout = 702, Assert = 710,
    HardwareStackError = 714, IllegalInstruction = 715, MisalignedAddress = 716, InvalidAddressSpace = 717,
    InvalidPc = 718, LaunchFailed = 719, NotSupported = 801, Unknown = 999,
}

/// <summary>A CUDA driver call failed. The message names the call and the driver's own error text.</summary>
public sealed class CudaException(CuResult result, string call, string description)
    : Exception($"{call} failed: {description}")
{
    public CuResult Result { get; } = result;

    /// <summary>700, 710, 714–719: the context is dead and every later call fails the same way; only a new process
    /// recovers (GPU.md §8.8).</summary>
    public bool IsSticky => Result is CuResult.IllegalAddress or CuResult.Assert
        or (>= CuResult.HardwareStackError and <= CuResult.LaunchFailed);
}

/// <summary>
/// The CUDA driver API (libcuda.so.1), bound by the *versioned* export names that cuda.h maps the API names to
/// (cuMemAlloc_v2, …): the unsuffixed exports still exist with their old 32-bit ABI (GPU.md §2.2).
/// Never run on a GPU yet: the signatures follow GPU.md §2, checked there against driver 535's exports.
/// </summary>
internal static unsafe partial class Driver
{
    static Driver() => CudaLibraries.Install();

    private const string Lib = CudaLibraries.Cuda;

    [LibraryImport(Lib)] internal static partial CuResult cuInit(uint flags);
    [LibraryImport(Lib)] internal static partial CuResult cuDriverGetVersion(out int version);
    [LibraryImport(Lib)] internal static partial CuResult cuDeviceGetCount(out int count);
    [LibraryImport(Lib)] internal static partial CuResult cuDeviceGet(out int device, int ordinal);
    [LibraryImport(Lib)] internal static partial CuResult cuDeviceGetName(byte* name, int length, int device);
    [LibraryImport(Lib)] internal static partial CuResult cuDeviceGetAttribute(out int value, int attribute, int device);
    [LibraryImport(Lib)] internal static partial CuResult cuDeviceTotalMem_v2(out nuint bytes, int device);
    [LibraryImport(Lib)] internal static partial CuResult cuGetErrorName(CuResult result, out byte* text);
    [LibraryImport(Lib)] internal static partial CuResult cuGetErrorString(CuResult result, out byte* text);
    [LibraryImport(Lib)] internal static partial CuResult cuDevicePrimaryCtxRetain(out nint context, int device);
    [LibraryImport(Lib)] internal static partial CuResult cuDevicePrimaryCtxRelease_v2(int device);
    [LibraryImport(Lib)] internal static partial CuResult cuCtxSetCurrent(nint context);
    [LibraryImport(Lib)] internal static partial CuResult cuMemGetInfo_v2(out nuint free, out nuint total);
    [LibraryImport(Lib)] internal static partial CuResult cuMemcpyHtoDAsync_v2(ulong destination, void* source, nuint bytes, nint stream);
    [LibraryImport(Lib)] internal static partial CuResult cuMemcpyDtoHAsync_v2(void* destination, ulong source, nuint bytes, nint stream);
    [LibraryImport(Lib)] internal static partial CuResult cuMemcpyDtoDAsync_v2(ulong destination, ulong source, nuint bytes, nint stream);
    [LibraryImport(Lib)] internal static partial CuResult cuMemsetD8Async(ulong destination, byte value, nuint count, nint stream);
    [LibraryImport(Lib)] internal static partial CuResult cuMemsetD32Async(ulong destination, uint value, nuint count, nint stream);
    [LibraryImport(Lib)] internal static partial CuResult cuMemHostAlloc(out void* pointer, nuint bytes, uint flags);
    [LibraryImport(Lib)] internal static partial CuResult cuMemFreeHost(void* pointer);
    [LibraryImport(Lib)] internal static partial CuResult cuDeviceGetDefaultMemPool(out nint pool, int device);
    [LibraryImport(Lib)] internal static partial CuResult cuMemPoolSetAttribute(nint pool, int attribute, void* value);
    [LibraryImport(Lib)] internal static partial CuResult cuMemPoolGetAttribute(nint pool, int attribute, void* value);
    [LibraryImport(Lib)] internal static partial CuResult cuMemPoolTrimTo(nint pool, nuint minBytesToKeep);
    [LibraryImport(Lib)] internal static partial CuResult cuMemAllocAsync(out ulong pointer, nuint bytes, nint stream);
    [LibraryImport(Lib)] internal static partial CuResult cuMemFreeAsync(ulong pointer, nint stream);
    [LibraryImport(Lib)] internal static partial CuResult cuStreamCreate(out nint stream, uint flags);
    [LibraryImport(Lib)] internal static partial CuResult cuStreamDestroy_v2(nint stream);
    [LibraryImport(Lib)] internal static partial CuResult cuStreamSynchronize(nint stream);
    [LibraryImport(Lib)] internal static partial CuResult cuEventCreate(out nint ev, uint flags);
    [LibraryImport(Lib)] internal static partial CuResult cuEventDestroy_v2(nint ev);
    [LibraryImport(Lib)] internal static partial CuResult cuEventRecord(nint ev, nint stream);
    [LibraryImport(Lib)] internal static partial CuResult cuEventSynchronize(nint ev);
    [LibraryImport(Lib)] internal static partial CuResult cuModuleLoadData(out nint module, void* image);
    [LibraryImport(Lib)] internal static partial CuResult cuModuleUnload(nint module);
    [LibraryImport(Lib)] internal static partial CuResult cuModuleGetFunction(out nint function, nint module, byte* name);
    [LibraryImport(Lib)] internal static partial CuResult cuFuncSetAttribute(nint function, int attribute, int value);
    [LibraryImport(Lib)] internal static partial CuResult cuLaunchKernel(nint function, uint gridX, uint gridY, uint gridZ,
        uint blockX, uint blockY, uint blockZ, uint sharedMemBytes, nint stream, void** kernelParams, void** extra);

    /// <summary>"CUDA_ERROR_NO_DEVICE (100): no CUDA-capable device is detected".</summary>
    internal static string Describe(CuResult result)
    {
        try
        {
            string name = cuGetErrorName(result, out var n) == CuResult.Success ? Marshal.PtrToStringUTF8((nint)n) ?? "" : $"CUresult {(int)result}";
            string text = cuGetErrorString(result, out var s) == CuResult.Success ? Marshal.PtrToStringUTF8((nint)s) ?? "" : "";
            return $"{name} ({(int)result}): {text}";
        }
        catch (Exception) { return $"CUresult {(int)result}"; }   // the library itself is not loadable
    }

    /// <summary>Throws a <see cref="CudaException"/> naming <paramref name="call"/> unless it succeeded.</summary>
    internal static void Check(CuResult result, [CallerArgumentExpression(nameof(result))] string call = "")
    {
        if (result != CuResult.Success) throw new CudaException(result, CallName(call), Describe(result));
    }

    /// <summary>"cuMemAllocAsync(out p, bytes, _stream)" → "cuMemAllocAsync".</summary>
    internal static string CallName(string expression)
    {
        int paren = expression.IndexOf('(');
        return paren > 0 ? expression[..paren].Trim() : expression;
    }
}

/// <summary>Attribute numbers and flags of the driver API (CUDA 13.0's cuda.h, GPU.md §2.3).</summary>
internal static class CuAttribute
{
    // CUdevice_attribute
    public const int MaxThreadsPerBlock = 1, MaxSharedPerBlock = 8, MultiprocessorCount = 16,
        ComputeCapabilityMajor = 75, ComputeCapabilityMinor = 76, MaxSharedPerBlockOptin = 97, MemoryPoolsSupported = 115;
    // CUfunction_attribute
    public const int FuncMaxDynamicSharedSizeBytes = 8;
    // CUmemPool_attribute
    public const int PoolReleaseThreshold = 4, PoolReservedMemCurrent = 5, PoolReservedMemHigh = 6, PoolUsedMemCurrent = 7;
    // flags
    public const uint StreamNonBlocking = 1, EventDisableTiming = 2;
}
