using Ect.Kernels.Cuda;

namespace Ect.Tests.Kernels.Cuda;

/// <summary>Tests that need a GPU; skipped (with the reason) everywhere else, including CI.</summary>
[Category("Gpu")]
public class GpuTests
{
    private CudaBackend _gpu = null!;

    [SetUp]
    public void Open()
    {
        if (!CudaDevices.TryUse(0, out var backend, out string reason)) Assert.Ignore(reason);
        _gpu = backend;
    }

    [Test]
    public void ValuesSurviveARoundTripThroughTheDevice()
    {
        var host = TensorOps.RandomNormal([3, 1000, 7], 1);
        var back = host.To(_gpu.Device).To(Device.Cpu);
        Assert.That(back.ToFloatArray(), Is.EqualTo(host.ToFloatArray()));
    }

    [Test]
    public void AViewOfADeviceTensorReadsBackItsOwnElements()
    {
        var host = TensorOps.RandomNormal([4, 6], 2);
        var view = host.To(_gpu.Device).Transpose().Narrow(0, 1, 3);
        Assert.That(view.ToDoubleArray(), Is.EqualTo(host.Transpose().Narrow(0, 1, 3).ToDoubleArray()));
        Assert.That(view.GetDouble(4), Is.EqualTo(host.Transpose().Narrow(0, 1, 3).GetDouble(4)));
    }

    [Test]
    public void GemmMatchesTheCpu()
    {
        var a = TensorOps.RandomNormal([2, 5, 7], 3);
        var b = TensorOps.RandomNormal([2, 7, 4], 4);
        var (da, db) = (a.To(_gpu.Device), b.To(_gpu.Device));
        var dc = _gpu.Empty([2, 5, 4], DType.Float32);
        _gpu.Context.Gemm(false, false, 5, 4, 7, 1, ((CudaStorage)da.Storage).Pointer, 35, ((CudaStorage)db.Storage).Pointer, 28,
                          0, ((CudaStorage)dc.Storage).Pointer, 20, 2, DType.Float32);
        Assert.That(dc.ToDoubleArray(), Is.EqualTo(a.MatMul(b).ToDoubleArray()).Within(1e-4));
    }

    [Test]
    public void AllocationsAfterWarmUpComeFromThePool()
    {
        for (int i = 0; i < 3; i++) using (_gpu.Empty([1 << 20], DType.Float32)) { }
        _gpu.Context.Synchronize();
        var (reserved, _) = _gpu.Context.PoolBytes();
        for (int i = 0; i < 10; i++) using (_gpu.Empty([1 << 20], DType.Float32)) { }
        _gpu.Context.Synchronize();
        Assert.That(_gpu.Context.PoolBytes().Reserved, Is.EqualTo(reserved));
    }
}
