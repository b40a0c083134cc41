using System.CommandLine;
using Ect.Kernels.Cuda;

namespace Ect.Cli;

/// <summary>The `--device cpu|cuda|cuda:N` option shared by train, sample, bench step and check.</summary>
internal static class DeviceOption
{
    public static Option<string> Create(string purpose) => new("--device")
    {
        Description = $"Where {purpose} runs: cpu, cuda or cuda:N (data loading stays on the host)",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>Parses the value and, for a GPU, opens it (registering its backend).</summary>
    /// <exception cref="ArgumentException">for an unknown device name.</exception>
    /// <exception cref="CudaUnavailableException">with one line saying why, when CUDA cannot be used here.</exception>
    public static Device Open(string text)
    {
        var device = Device.Parse(text);
        if (device.Kind == DeviceKind.Cuda) CudaDevices.Use(device.Index);
        return device;
    }
}
