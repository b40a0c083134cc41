using System.CommandLine;
using System.Diagnostics;
using Ect.Training;

namespace Ect.Cli;

/// <summary>`ect bench step`: times full ECT training steps (student forward, no-grad teacher forward, backward,
/// RAdam, EMA) on random images and prints the median.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var network = new Option<string>("--config") { Description = "Network name", DefaultValueFactory = _ => "fmnist-small" };
        var batch = new Option<int>("--batch") { Description = "Images per step", DefaultValueFactory = _ => 64 };
        var steps = new Option<int>("--steps") { Description = "Timed steps (after 2 warm-up steps)", DefaultValueFactory = _ => 5 };
        var profile = new Option<bool>("--profile") { Description = "Also print the time spent in each backend primitive per step" };
        var deviceOption = DeviceOption.Create("the timed steps");
        var step = new Command("step", "Time ECT training steps") { network, batch, steps, profile, deviceOption };
        step.SetAction(parse =>
        {
            var device = DeviceOption.Open(parse.GetValue(deviceOption)!);
            var cfg = new TrainConfig
            {
                Network = parse.GetValue(network)!, Batch = parse.GetValue(batch), PretrainSteps = 0, TuneSteps = 1_000_000,
                // Stage 2 makes every r > 0, so every step runs the teacher pass (the full cost).
                ItersPerStage = 1, LogEvery = int.MaxValue, SampleEvery = int.MaxValue, CheckpointEvery = int.MaxValue,
            };
            string dir = Path.Combine(Path.GetTempPath(), "ect-bench-" + Guid.NewGuid().ToString("N"));
            try
            {
                var trainer = Trainer.Start(cfg, dir, device);
                var times = new List<double>();
                var (rentedBefore, reusedBefore) = (0L, 0L);
                Ect.Kernels.ProfilingBackend? profiler = null;
                for (int i = 0; i < parse.GetValue(steps) + 2; i++)
                {
                    if (i == 2)
                    {
                        (rentedBefore, reusedBefore) = BufferPool<float>.Statistics;
                        if (parse.GetValue(profile)) profiler = Ect.Kernels.Backends.StartProfiling();
                    }
                    var watch = Stopwatch.StartNew();
                    trainer.TrainStep();   // ends by reading the loss, which waits for the device: the time is the step's
                    if (i >= 2) times.Add(watch.Elapsed.TotalSeconds);
                }
                Ect.Kernels.Backends.StopProfiling();
                double total = times.Sum();
                times.Sort();
                double median = times[times.Count / 2];
                Console.WriteLine($"config {cfg.Network} batch {cfg.Batch} device {device} threads {Ect.Kernels.Cpu.Threads.Count}");
                Console.WriteLine($"median {median:F4} s/step");
                Console.WriteLine($"images/s {cfg.Batch / median:F1}");
                Console.WriteLine($"peak memory {Process.GetCurrentProcess().PeakWorkingSet64 / (1 << 20)} MiB");
                var (rented, reused) = BufferPool<float>.Statistics;
                Console.WriteLine($"buffer pool: {reused}/{rented} rents reused, {BufferPool<float>.PooledBytes >> 20} MiB idle; GC heap {GC.GetTotalMemory(false) >> 20} MiB, gen2 collections {GC.CollectionCount(2)}");
                // A buffer the pool could not serve after warm-up is fresh memory from the OS (page faults on first touch).
                Console.WriteLine($"fresh buffers after warm-up {(rented - rentedBefore) - (reused - reusedBefore)}");
                if (profiler is not null) PrintProfile(profiler, times.Count, total);
            }
            finally { Directory.Delete(dir, recursive: true); }
            return 0;
        });
        return new Command("bench", "Benchmarks of whole training steps") { step };
    }

    /// <summary>One line per primitive: calls and milliseconds per step, share of the step; the rest of the step
    /// (autograd bookkeeping, optimizer loops outside the backend) is the last line.</summary>
    private static void PrintProfile(Ect.Kernels.ProfilingBackend profiler, int steps, double totalSeconds)
    {
        var rows = profiler.Totals();
        Console.WriteLine($"{"primitive",-28} {"calls/step",10} {"ms/step",9} {"share",6}");
        foreach (var (name, calls, seconds) in rows)
            Console.WriteLine($"{name,-28} {calls / (double)steps,10:F0} {1e3 * seconds / steps,9:F1} {seconds / totalSeconds,6:P0}");
        double outside = totalSeconds - rows.Sum(r => r.Seconds);
        Console.WriteLine($"{"(outside the backend)",-28} {"",10} {1e3 * outside / steps,9:F1} {outside / totalSeconds,6:P0}");
    }
}
