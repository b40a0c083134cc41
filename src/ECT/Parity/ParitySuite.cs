using System.Globalization;
using Ect.Kernels.Cuda;
using Ect.Training;

namespace Ect.Parity;

/// <summary>Inputs of one parity case: random, never zero, the same numbers on every device (drawn on the host from
/// the case's seed, then copied). Leaves made with <see cref="Leaf"/> require grad on the device they were moved to.</summary>
public sealed class ParityInputs(Device device, ulong seed)
{
    private readonly Rng _rng = new(seed);

    public Device Device => device;

    /// <summary>N(0, 1) values pushed away from zero (|v| ≥ 0.05), so no op sees an exact zero.</summary>
    public Tensor Normal(params int[] shape)
    {
        var z = TensorOps.RandomNormal(shape, _rng);
        return (z + z.Sign() * 0.05).To(device);   // the intermediates go with the case's TensorScope
    }

    /// <summary>U[lo, hi) values (lo &gt; 0 gives positive inputs for log, sqrt, pow).</summary>
    public Tensor Uniform(double lo, double hi, params int[] shape) =>
        (TensorOps.RandomUniform(shape, _rng) * (hi - lo) + lo).To(device);

    /// <summary>A leaf requiring grad (a parameter-like input whose gradient the case reads back).</summary>
    public Tensor Leaf(Tensor t) => t.RequireGrad();
}

/// <summary>One check: run <see cref="Outputs"/> on the CPU and on the GPU with the same inputs and compare every
/// output elementwise: |gpu − cpu| ≤ Atol + Rtol·|cpu|.</summary>
public sealed record ParityCase(string Name, Func<ParityInputs, Tensor[]> Outputs, double Rtol = 1e-5, double Atol = 1e-6)
{
    /// <summary>A forward and backward case: y = f(inputs); L = Σ y·v with random v; outputs y and every dL/dinput.</summary>
    public static ParityCase Backward(string name, Func<ParityInputs, Tensor[]> inputs, Func<Tensor[], Tensor> f, double rtol = 1e-5, double atol = 1e-6) =>
        new(name, p =>
        {
            var xs = inputs(p).Select(p.Leaf).ToArray();
            var y = f(xs);
            var v = p.Normal([.. y.Shape]).Cast(y.DType);
            (y * v).Sum().Backward();
            return [y, .. xs.Select(x => x.Grad ?? throw new InvalidOperationException($"{name}: no gradient reached an input"))];
        }, rtol, atol);
}

/// <summary>
/// `ect check`: every case of <see cref="ParityCases.All"/> on the CPU and on a GPU, one PASS/FAIL line each, then the
/// closing line "N passed, M failed". A sticky CUDA error (the context is dead) stops the run: every later case would
/// fail the same way.
/// </summary>
public static class ParitySuite
{
    public static int Run(IEnumerable<ParityCase> cases, Device gpu, TextWriter output, ulong seed = 20240601)
    {
        int passed = 0, failed = 0;
        foreach (var c in cases)
        {
            string? failure;
            try { failure = Compare(c, gpu, seed, out double worst); if (failure is null) output.WriteLine($"PASS {c.Name} (worst {worst.ToString("G3", CultureInfo.InvariantCulture)} of tolerance)"); }
            catch (CudaException e) when (e.IsSticky)
            {
                failed++;
                output.WriteLine($"FAIL {c.Name}: {e.Message} (the CUDA context is lost; stopping)");
                break;
            }
            catch (Exception e) { failure = $"{e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}"; }
            if (failure is null) passed++;
            else
            {
                failed++;
                output.WriteLine($"FAIL {c.Name}: {failure}");
            }
        }
        output.WriteLine($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Null when every output agrees; else what differs first. <paramref name="worst"/>: the largest
    /// |gpu − cpu| / (Atol + Rtol·|cpu|) seen (≤ 1 passes).</summary>
    private static string? Compare(ParityCase c, Device gpu, ulong seed, out double worst)
    {
        worst = 0;
        using var scope = TensorScope.Begin();
        var expected = c.Outputs(new ParityInputs(Device.Cpu, seed));
        var actual = c.Outputs(new ParityInputs(gpu, seed));
        if (expected.Length != actual.Length) return $"{actual.Length} outputs on {gpu}, {expected.Length} on the CPU";
        for (int o = 0; o < expected.Length; o++)
        {
            if (actual[o].Device != gpu) return $"output {o} lives on {actual[o].Device}, not {gpu}";
            if (!expected[o].Shape.SequenceEqual(actual[o].Shape))
                return $"output {o} has shape {Check.Fmt(actual[o].Shape.AsSpan())} on {gpu}, {Check.Fmt(expected[o].Shape.AsSpan())} on the CPU";
            var e = expected[o].ToDoubleArray();
            var a = actual[o].ToDoubleArray();
            for (int i = 0; i < e.Length; i++)
            {
                bool bothNaN = double.IsNaN(e[i]) && double.IsNaN(a[i]);
                double ratio = bothNaN || e[i] == a[i] ? 0 : Math.Abs(a[i] - e[i]) / (c.Atol + c.Rtol * Math.Abs(e[i]));
                if (double.IsNaN(ratio) || ratio > 1)
                    return string.Create(CultureInfo.InvariantCulture,
                        $"output {o} element {i}: {gpu} {a[i]:R}, cpu {e[i]:R} (tolerance {c.Atol:G2} + {c.Rtol:G2}·|cpu|)");
                worst = Math.Max(worst, ratio);
            }
        }
        return null;
    }

    /// <summary>One `tiny` ECT run of <paramref name="steps"/> steps per device from the same seed; the losses must
    /// agree to <paramref name="rtol"/> (float32 on both, different summation orders). Returns the failure or null.</summary>
    public static string? TrainingStep(Device gpu, TextWriter output, int steps = 2, double rtol = 2e-3)
    {
        var config = new TrainConfig
        {
            Network = "tiny", Batch = 8, PretrainSteps = 0, TuneSteps = steps, ItersPerStage = 1, Seed = 3,
            LogEvery = int.MaxValue, SampleEvery = int.MaxValue, CheckpointEvery = int.MaxValue,
        };
        var losses = new Dictionary<Device, double[]>();
        foreach (var device in new[] { Device.Cpu, gpu })
        {
            string dir = Path.Combine(Path.GetTempPath(), "ect-check-" + Guid.NewGuid().ToString("N"));
            try
            {
                var trainer = Trainer.Start(config, dir, device);
                losses[device] = Enumerable.Range(0, steps).Select(_ => trainer.TrainStep().Loss).ToArray();
            }
            finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
        }
        for (int s = 0; s < steps; s++)
        {
            double cpu = losses[Device.Cpu][s], cuda = losses[gpu][s];
            string line = string.Create(CultureInfo.InvariantCulture, $"tiny ECT step {s + 1}: loss cpu {cpu:G8}, {gpu} {cuda:G8}");
            if (!(Math.Abs(cpu - cuda) <= rtol * Math.Abs(cpu))) return $"{line} (differ by more than {rtol:G2} relative)";
            output.WriteLine($"     {line}");
        }
        return null;
    }
}
