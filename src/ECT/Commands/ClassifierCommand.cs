using System.CommandLine;
using System.Globalization;
using Ect.Datasets;
using Ect.Evaluation;
using Spectre.Console;

namespace Ect.Cli;

/// <summary>`ect classifier train`: trains the feature classifier that `ect eval` measures samples with, reports its
/// test accuracy and saves it as safetensors.</summary>
internal static class ClassifierCommand
{
    public static Command Create()
    {
        var data = new Option<string?>("--data") { Description = "Labelled dataset directory (MNIST/Fashion-MNIST idx files, CIFAR-10 batches); default: the embedded Fashion-MNIST test set with a held-out fifth" };
        var epochs = new Option<int?>("--epochs") { Description = "Passes over the training split (default 3)" };
        var batch = new Option<int?>("--batch") { Description = "Images per step (default 64)" };
        var lr = new Option<double?>("--lr") { Description = "Peak Adam learning rate (default 2e-3; warm-up then cosine decay)" };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the weights, order and mirroring (default 1)" };
        var output = new Option<string>("--out") { Description = "Where to save the classifier", DefaultValueFactory = _ => "classifier.safetensors" };
        var train = new Command("train", "Train the feature classifier with the engine and report its test accuracy") { data, epochs, batch, lr, seed, output };
        train.SetAction(parse =>
        {
            var defaults = new ClassifierTrainingOptions();
            var options = defaults with
            {
                Epochs = parse.GetValue(epochs) ?? defaults.Epochs,
                Batch = parse.GetValue(batch) ?? defaults.Batch,
                LearningRate = parse.GetValue(lr) ?? defaults.LearningRate,
                Seed = parse.GetValue(seed) ?? defaults.Seed,
            };
            options.Validate();
            var (trainSplit, testSplit, note) = DatasetLoader.LoadSplits(parse.GetValue(data));
            if (trainSplit.Labels is null) throw new InvalidDataException($"{trainSplit.Name}: no labels; the classifier needs a labelled dataset (idx files or CIFAR-10 batches)");
            int classes = trainSplit.Labels.Max() + 1;
            AnsiConsole.MarkupLine($"[bold]ect classifier train[/]: {Markup.Escape(note)}; {classes} classes, {options.Epochs} epochs at batch {options.Batch}");
            var started = DateTime.UtcNow;
            var model = ClassifierTraining.Train(trainSplit, classes, options, p => Console.WriteLine(
                $"step {p.Step}/{p.TotalSteps} epoch {p.Epoch} loss {p.Loss:F4} train accuracy {p.Accuracy:P1} {p.ImagesPerSecond:F0} img/s"));
            double trainSeconds = (DateTime.UtcNow - started).TotalSeconds;
            double accuracy = ClassifierTraining.Accuracy(model, testSplit);
            string path = parse.GetValue(output)!;
            var inv = CultureInfo.InvariantCulture;
            ClassifierFile.Save(path, model, trainSplit.Height, trainSplit.Width, new Dictionary<string, string>
            {
                ["dataset"] = note,
                ["test_accuracy"] = accuracy.ToString("R", inv),
                ["epochs"] = options.Epochs.ToString(inv),
                ["batch"] = options.Batch.ToString(inv),
                ["lr"] = options.LearningRate.ToString("R", inv),
                ["seed"] = options.Seed.ToString(inv),
                ["train_seconds"] = trainSeconds.ToString("F0", inv),
                ["produced_by"] = "ect " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
            });
            AnsiConsole.MarkupLine($"test accuracy [bold]{accuracy:P2}[/] on {testSplit.Count} images ({Markup.Escape(testSplit.Name)}); " +
                                   $"trained in {trainSeconds / 60:F1} min; saved {Markup.Escape(path)}");
            return 0;
        });
        return new Command("classifier", "The feature classifier behind `ect eval`") { train };
    }
}
