using Ect.Kernels.Cuda;
using Ect.Parity;

namespace Ect.Tests.Kernels.Cuda;

/// <summary>Device plumbing that runs without a GPU: moves that must be no-ops on the CPU, the in-place storage swap
/// behind Module.To, the CLI's one-line failure when CUDA is missing, the parity suite's own cases (CPU against
/// CPU), and the out-of-memory message.</summary>
public class DeviceTests
{
    private static bool CudaHere => CudaDevices.TryUse(0, out _, out _);

    [Test]
    public void ToTheSameDeviceIsTheTensorItself()
    {
        var x = Tensor.FromArray([1f, 2f], 2);
        Assert.That(x.To(Device.Cpu), Is.SameAs(x));
    }

    [Test]
    public void AdoptStorageSwapsTheMemoryBehindTheSameTensorObject()
    {
        var parameter = Tensor.FromArray([1f, 2f, 3f], 3).RequireGrad();
        var replacement = Tensor.FromArray([4f, 5f, 6f], 3);
        var old = parameter.Storage;
        parameter.AdoptStorage(replacement);
        replacement.Dispose();
        Assert.That(parameter.ToFloatArray(), Is.EqualTo(new[] { 4f, 5f, 6f }));
        Assert.That(old.IsReleased, Is.True, "the old storage is given back");
        Assert.That(parameter.Storage.IsReleased, Is.False, "the new storage outlives the replacement tensor");
        Assert.Throws<InvalidOperationException>(() => parameter.AdoptStorage(Tensor.Zeros([4])));
        Assert.Throws<InvalidOperationException>(() => (parameter * 2).AdoptStorage(Tensor.Zeros([3])));
    }

    [Test]
    public void ModuleToTheCpuKeepsEveryParameter()
    {
        var net = new Ect.Models.Linear(3, 2, new Rng(1));
        var weight = net.Weight;
        var before = weight.ToFloatArray();
        net.To(Device.Cpu);
        Assert.That(net.Weight, Is.SameAs(weight));
        Assert.That(weight.ToFloatArray(), Is.EqualTo(before));
        Assert.That(net.Device, Is.EqualTo(Device.Cpu));
    }

    [Test]
    public void HostStorageCopiesARangeToTheHost()
    {
        var t = Tensor.FromArray([1.0, 2.0, 3.0, 4.0], 4);
        var into = new double[2];
        t.Storage.CopyToHost<double>(1, into);
        Assert.That(into, Is.EqualTo(new[] { 2.0, 3.0 }));
        Assert.Throws<InvalidOperationException>(() => t.Storage.CopyToHost<float>(0, new float[1]));
    }

    [Test]
    public void CopyIntoMovesValuesBetweenLayouts()
    {
        var source = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        var destination = Tensor.Zeros([3, 2]).Transpose();
        source.CopyInto(destination);
        Assert.That(destination.ToFloatArray(), Is.EqualTo(source.ToFloatArray()));
    }

    private static (int Code, string Error) RunCli(params string[] args)
    {
        var entry = typeof(Ect.Training.Trainer).Assembly.EntryPoint!;
        var (errors, outputs) = (new StringWriter(), new StringWriter());
        var (oldError, oldOut) = (Console.Error, Console.Out);
        Console.SetError(errors);
        Console.SetOut(outputs);
        try { return ((int)entry.Invoke(null, [args])!, errors.ToString()); }
        finally { Console.SetError(oldError); Console.SetOut(oldOut); }
    }

    [TestCase("train"), TestCase("sample", "--checkpoint", "nowhere"), TestCase("bench", "step")]
    public void DeviceCudaWithoutAGpuFailsInOneLine(params string[] command)
    {
        if (CudaHere) Assert.Ignore("CUDA is available on this machine; the failure path cannot be taken");
        var (code, error) = RunCli([.. command, "--device", "cuda"]);
        Assert.That(code, Is.Not.EqualTo(0));
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), error);
        Assert.That(lines[0], Does.StartWith("ect: CUDA not available"));
    }

    [Test]
    public void CheckWithoutAGpuExitsWith77()
    {
        if (CudaHere) Assert.Ignore("CUDA is available on this machine");
        var (code, error) = RunCli("check", "--device", "cuda");
        Assert.That(code, Is.EqualTo(77));
        Assert.That(error, Does.StartWith("ect check: CUDA not available"));
    }

    [Test]
    public void EveryParityCaseRunsOnTheCpu()
    {
        // CPU against CPU: proves the cases themselves are sound (they build, their backward reaches every input,
        // the comparison accepts identical results), so a FAIL on a GPU is about the GPU.
        var output = new StringWriter();
        int code = ParitySuite.Run(ParityCases.All(), Device.Cpu, output);
        Assert.That(code, Is.EqualTo(0), output.ToString());
        Assert.That(output.ToString(), Does.Match(@"\n\d+ passed, 0 failed\s*$"));
        Assert.That(ParityCases.All().Count(), Is.GreaterThan(50));
    }

    [Test]
    public void TheParitySuiteReportsADifference()
    {
        var output = new StringWriter();
        int calls = 0;
        var flaky = new ParityCase("differs between runs", _ => [Tensor.Full([2], calls++ == 0 ? 1.0 : 1.1)]);
        int code = ParitySuite.Run([flaky], Device.Cpu, output);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(output.ToString(), Does.Contain("FAIL differs between runs: output 0 element 0"));
        Assert.That(output.ToString(), Does.Contain("0 passed, 1 failed"));
    }

    [Test]
    public void OutOfMemorySaysWhatWasAskedAndWhatIsFree()
    {
        string message = DeviceMemory.OutOfMemoryMessage(Device.Cuda(0), "NVIDIA H100", 3L << 30, 1L << 29, 80L << 30, 79L << 30, 78L << 30);
        Assert.That(message, Does.Contain("asked for 3.00 GiB"));
        Assert.That(message, Does.Contain("512.0 MiB free of 80.00 GiB"));
        Assert.That(message, Does.Contain("--batch"));
        Assert.That(DeviceMemory.Format(-1), Is.EqualTo("unknown"));
        Assert.That(DeviceMemory.Format(512), Is.EqualTo("512 B"));
    }
}
