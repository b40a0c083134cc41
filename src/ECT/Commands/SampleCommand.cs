using System.CommandLine;
using Ect.IO;
using Ect.Sampling;
using Ect.Training;

namespace Ect.Cli;

/// <summary>`ect sample`: images from a checkpoint's EMA weights, by consistency sampling (1, 2 or n steps) or EDM's
/// Heun sampler, written as a PNG grid and/or a .npy float32 [N, C, H, W] array in [−1, 1].</summary>
internal static class SampleCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "A checkpoint file, or a run directory (its latest checkpoint)", Required = true };
        var steps = new Option<int>("--steps") { Description = "Network evaluations for cm (1, 2, or n with --mid-t); Heun steps N for heun (2N−1 evaluations)", DefaultValueFactory = _ => 1 };
        var sampler = new Option<string>("--sampler") { Description = "cm (consistency) or heun (diffusion ODE)", DefaultValueFactory = _ => "cm" };
        var midT = new Option<double[]>("--mid-t") { Description = "Intermediate times for n-step consistency sampling, decreasing", AllowMultipleArgumentsPerToken = true };
        var count = new Option<int>("--n") { Description = "Number of images", DefaultValueFactory = _ => 64 };
        var seed = new Option<ulong>("--seed") { Description = "Noise seed", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Output file: .png (grid), .npy (array), or a name without extension for both", DefaultValueFactory = _ => "samples" };
        var deviceOption = DeviceOption.Create("sampling");
        var command = new Command("sample", "Generate images from a trained model") { checkpoint, steps, sampler, midT, count, seed, output, deviceOption };
        command.SetAction(parse =>
        {
            var device = DeviceOption.Open(parse.GetValue(deviceOption)!);
            string path = parse.GetValue(checkpoint)!;
            if (Directory.Exists(path)) path = Trainer.LatestCheckpoint(path);
            var (ema, config) = Checkpoints.LoadEmaDenoiser(path);
            ema.To(device);
            int n = parse.GetValue(count);
            var shape = new[] { n, config.ImageChannels, config.Resolution, config.Resolution };
            string samplerName = parse.GetValue(sampler)!;
            int stepCount = parse.GetValue(steps);
            double[]? times = samplerName == "cm" ? ConsistencySampler.Times(stepCount, parse.GetValue(midT) is { Length: > 0 } m ? m : null) : null;
            var images = ModelSampling.Generate(ema, shape[1..], samplerName, stepCount, times, n, parse.GetValue(seed), device: device);
            string target = parse.GetValue(output)!;
            string ext = Path.GetExtension(target).ToLowerInvariant();
            if (ext is ".png" or "") File.WriteAllBytes(ext == "" ? target + ".png" : target, Png.Grid(images, (int)Math.Ceiling(Math.Sqrt(n))));
            if (ext is ".npy" or "")
                Npy.Write(ext == "" ? target + ".npy" : target, images.ToFloatArray(), shape);
            Console.WriteLine($"wrote {n} images ({parse.GetValue(sampler)}, {parse.GetValue(steps)} steps) to {target}{(ext == "" ? ".png/.npy" : "")}");
            return 0;
        });
        return command;
    }
}
