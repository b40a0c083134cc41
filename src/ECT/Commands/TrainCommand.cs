using System.CommandLine;
using Ect.Training;
using Spectre.Console;

namespace Ect.Cli;

/// <summary>`ect train`: EDM pretraining then ECT tuning on the embedded Fashion-MNIST (or --data), with a live
/// progress bar, log.jsonl, sample grids and atomic checkpoints in the run directory; `--resume` continues a run.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Network name (fmnist-fast, fmnist-small, tiny, cifar10-ddpmpp) or a training-config JSON file" };
        var output = new Option<string?>("--out") { Description = "Run directory (default: runs/<date-time>)" };
        var resume = new Option<string?>("--resume") { Description = "Continue the run in this directory from its latest checkpoint" };
        var data = new Option<string?>("--data") { Description = "Dataset directory (MNIST/Fashion-MNIST idx files or CIFAR-10 binary batches); default: the embedded Fashion-MNIST test set" };
        var batch = new Option<int?>("--batch") { Description = "Images per step" };
        var pretrain = new Option<int?>("--pretrain-steps") { Description = "EDM diffusion pretraining steps" };
        var tune = new Option<int?>("--tune-steps") { Description = "ECT tuning steps" };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of every random stream" };
        var init = new Option<string?>("--init") { Description = "Skip pretraining: tune from this checkpoint's EMA weights (a file or run directory)" };
        var deviceOption = DeviceOption.Create("training");
        var command = new Command("train", "Pretrain a diffusion model (EDM), then tune it into a consistency model (ECT)")
        {
            config, output, resume, data, batch, pretrain, tune, seed, init, deviceOption,
        };
        command.SetAction(parse =>
        {
            Trainer trainer;
            var device = DeviceOption.Open(parse.GetValue(deviceOption)!);
            string? resumeDir = parse.GetValue(resume);
            if (resumeDir is not null) trainer = Trainer.Resume(resumeDir, device);
            else
            {
                var cfg = LoadConfig(parse.GetValue(config));
                cfg = cfg with
                {
                    Data = parse.GetValue(data) ?? cfg.Data,
                    Batch = parse.GetValue(batch) ?? cfg.Batch,
                    PretrainSteps = parse.GetValue(pretrain) ?? cfg.PretrainSteps,
                    TuneSteps = parse.GetValue(tune) ?? cfg.TuneSteps,
                    Seed = parse.GetValue(seed) ?? cfg.Seed,
                };
                string dir = parse.GetValue(output) ?? Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss"));
                trainer = parse.GetValue(init) is { } initPath ? Trainer.StartFrom(cfg, dir, initPath, device) : Trainer.Start(cfg, dir, device);
            }
            Run(trainer);
            return 0;
        });
        return command;
    }

    private static TrainConfig LoadConfig(string? value)
    {
        if (value is null) return new TrainConfig();
        if (File.Exists(value)) return TrainConfig.FromJson(File.ReadAllText(value), value);
        _ = Networks.ByName(value);
        return new TrainConfig { Network = value };
    }

    private static void Run(Trainer trainer)
    {
        var c = trainer.Config;
        AnsiConsole.MarkupLine($"[bold]ect train[/] {Markup.Escape(c.Network)} ({trainer.Online.ParameterCount():N0} parameters) on {trainer.Device} → {Markup.Escape(trainer.RunDirectory)}");
        AnsiConsole.MarkupLine($"  {c.PretrainSteps} pretraining + {c.TuneSteps} tuning steps at batch {c.Batch}, from step {trainer.Step}");
        var started = DateTime.UtcNow;
        long firstStep = trainer.Step;
        string Describe(StepReport r)
        {
            double elapsed = (DateTime.UtcNow - started).TotalSeconds;
            double eta = elapsed / Math.Max(1, r.Step - firstStep) * (c.TotalSteps - r.Step);
            return $"{r.Phase} stage {r.Stage} loss {r.Loss:F4} {r.ImagesPerSecond:F0} img/s ETA {TimeSpan.FromSeconds(eta):hh\\:mm\\:ss}";
        }
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            while (trainer.Step < c.TotalSteps)
            {
                var r = trainer.TrainStep();
                if (r.Step % c.LogEvery == 0 || r.Step == c.TotalSteps) Console.WriteLine($"step {r.Step}/{c.TotalSteps} {Describe(r)}");
            }
        }
        else
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("training", maxValue: c.TotalSteps);
                    task.Value = trainer.Step;
                    while (trainer.Step < c.TotalSteps)
                    {
                        var r = trainer.TrainStep();
                        task.Value = r.Step;
                        task.Description = Markup.Escape($"step {r.Step} {Describe(r)}");
                    }
                });
        AnsiConsole.MarkupLine($"done: samples in {Markup.Escape(Path.Combine(trainer.RunDirectory, "samples"))}, checkpoint {Markup.Escape(Trainer.LatestCheckpoint(trainer.RunDirectory))}");
    }
}
