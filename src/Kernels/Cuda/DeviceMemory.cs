using System.Globalization;

namespace Ect.Kernels.Cuda;

/// <summary>The words around device memory: sizes people read, and the out-of-memory message.</summary>
public static class DeviceMemory
{
    /// <summary>"1.50 GiB", "12.0 MiB", "512 B".</summary>
    public static string Format(long bytes) => bytes switch
    {
        < 0 => "unknown",
        >= 1L << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 30):F2} GiB"),
        >= 1L << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 20):F1} MiB"),
        >= 1L << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1L << 10):F1} KiB"),
        _ => $"{bytes} B",
    };

    /// <summary>One line: how much was asked, what the device has free and in total, what this process holds, and
    /// what to do. Negative numbers mean "could not be read".</summary>
    public static string OutOfMemoryMessage(Device device, string name, long asked, long free, long total, long reserved, long used) =>
        $"CUDA out of memory on {device} ({name}): asked for {Format(asked)}; {Format(free)} free of {Format(total)}; " +
        $"this process's pool holds {Format(reserved)} ({Format(used)} in live tensors). Lower --batch, or free tensors sooner (TensorScope).";
}
