using System.Diagnostics.CodeAnalysis;

namespace Ect.Kernels.Cuda;

/// <summary>
/// The GPUs this process has opened: one <see cref="CudaContext"/> and <see cref="CudaBackend"/> per ordinal, opened
/// on first use and registered with <see cref="Backends"/> so that ops on tensors of that device run there.
/// </summary>
public static class CudaDevices
{
    private static readonly Dictionary<int, CudaBackend> s_open = [];

    /// <summary>The backend of GPU <paramref name="ordinal"/>, opening it if needed; false with a one-line
    /// <paramref name="reason"/> when CUDA cannot be used here.</summary>
    public static bool TryUse(int ordinal, [NotNullWhen(true)] out CudaBackend? backend, out string reason)
    {
        lock (s_open)
        {
            reason = "";
            if (s_open.TryGetValue(ordinal, out backend)) return true;
            if (!CudaContext.TryOpen(ordinal, out var context, out reason)) return false;
            backend = new CudaBackend(context!);
            s_open[ordinal] = backend;
            Backends.RegisterCuda(backend);
            return true;
        }
    }

    /// <exception cref="CudaUnavailableException">with the reason, when CUDA cannot be used here.</exception>
    public static CudaBackend Use(int ordinal) =>
        TryUse(ordinal, out var backend, out string reason) ? backend : throw new CudaUnavailableException(reason);

    /// <summary>One line for `ect info`: the GPU, its compute capability and memory, the driver and NVRTC versions,
    /// or why CUDA is unavailable.</summary>
    public static string Status(int ordinal = 0)
    {
        if (!TryUse(ordinal, out var backend, out string reason)) return reason;
        var c = backend.Context;
        return $"{c.Device}: {c.Name}, compute capability {c.ComputeCapability / 10}.{c.ComputeCapability % 10}, " +
               $"{DeviceMemory.Format(c.TotalMemory)}; driver CUDA {LibraryLocator.FormatVersion(CudaLibraries.DriverVersion)}, " +
               $"NVRTC {Nvrtc.VersionText()} → {c.Architecture}";
    }
}
