using Ect.Kernels.Cpu;
using Ect.Tensors;

namespace Ect.Kernels;

/// <summary>Finds the backend that runs ops for a device. The CUDA backend registers itself here when it lands.</summary>
public static class Backends
{
    private static ITensorBackend? s_cuda;
    private static ProfilingBackend? s_cpuProfiler;

    public static ITensorBackend Cpu => (ITensorBackend?)s_cpuProfiler ?? CpuBackend.Instance;

    public static ITensorBackend For(Device device) => device.Kind switch
    {
        DeviceKind.Cpu => Cpu,
        DeviceKind.Cuda => s_cuda ?? throw new InvalidOperationException(
            $"no CUDA backend is available in this build for {device}; run with --device cpu"),
        _ => throw new ArgumentOutOfRangeException(nameof(device)),
    };

    public static ITensorBackend For(Tensor tensor) => For(tensor.Device);

    /// <summary>Routes every CPU op through a <see cref="ProfilingBackend"/> until <see cref="StopProfiling"/>;
    /// <paramref name="byShape"/> splits convolutions and matrix products by shape.</summary>
    public static ProfilingBackend StartProfiling(bool byShape = false) => s_cpuProfiler = new ProfilingBackend(CpuBackend.Instance, byShape);

    public static void StopProfiling() => s_cpuProfiler = null;

    /// <summary>Installs the CUDA backend (called by the CUDA room once a device has been opened).</summary>
    public static void RegisterCuda(ITensorBackend backend) => s_cuda = backend;
}
