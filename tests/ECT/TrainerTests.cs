using Ect.IO;
using Ect.Training;

namespace Ect.Tests.ECT;

/// <summary>The training loop end to end on the tiny network: losses fall on a fixed batch, checkpoints hold what
/// the issue lists, and a killed run resumes to exactly the uninterrupted run's losses.</summary>
public class TrainerTests
{
    private readonly List<string> _dirs = [];

    private string NewDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ect-run-" + Guid.NewGuid().ToString("N"));
        _dirs.Add(dir);
        return dir;
    }

    [TearDown]
    public void Clean()
    {
        foreach (var d in _dirs) if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
    }

    private static TrainConfig Tiny => new()
    {
        Network = "tiny", Batch = 4, PretrainSteps = 3, TuneSteps = 3, ItersPerStage = 2,
        LogEvery = 1, SampleEvery = 1000, CheckpointEvery = 2, Seed = 5,
    };

    [Test]
    public void ResumedRunReproducesTheUninterruptedLossesExactly()
    {
        var full = Trainer.Start(Tiny, NewDir());
        var expected = Enumerable.Range(0, 6).Select(_ => full.TrainStep().Loss).ToArray();

        string dir = NewDir();
        var first = Trainer.Start(Tiny, dir);
        for (int i = 0; i < 5; i++) first.TrainStep();   // checkpoint after step 4; step 5 is lost when "killed"
        var resumed = Trainer.Resume(dir);
        Assert.That(resumed.Step, Is.EqualTo(4));
        var rest = new[] { resumed.TrainStep().Loss, resumed.TrainStep().Loss };
        Assert.That(rest, Is.EqualTo(expected[4..]), "bit-identical losses after resuming across the pretrain → tune switch");
        var logged = File.ReadAllLines(Path.Combine(dir, "log.jsonl"));
        Assert.That(logged, Has.Length.EqualTo(6), "the log has each step once (the lost step 5 was dropped and redone)");
    }

    [Test]
    public void CheckpointHoldsWeightsEmaOptimizerAndMetadata()
    {
        string dir = NewDir();
        var trainer = Trainer.Start(Tiny with { PretrainSteps = 0, TuneSteps = 2 }, dir);
        trainer.TrainStep(); trainer.TrainStep();
        var (tensors, meta) = SafeTensors.Read(Trainer.LatestCheckpoint(dir));
        Assert.That(tensors.Keys, Does.Contain("online/model.enc.32x32_conv.weight"));
        Assert.That(tensors.Keys, Does.Contain("ema/model.dec.32x32_aux_conv.bias"));
        Assert.That(tensors.Keys, Does.Contain("optimizer.v/model.map_layer0.weight"));
        Assert.That(meta["step"], Is.EqualTo("2"));
        Assert.That(meta["phase"], Is.EqualTo("tune"));
        Assert.That(meta["optimizer"], Is.EqualTo("RAdam"));
        Assert.That(TrainConfig.FromJson(meta["config"], "metadata").Network, Is.EqualTo("tiny"));
        Assert.That(Directory.GetFiles(Path.Combine(dir, "samples"), "*.png"), Has.Length.EqualTo(2), "1- and 2-step grids at the end");
    }

    [Test]
    public void StartingTwiceInOneDirectoryIsRefused()
    {
        string dir = NewDir();
        Trainer.Start(Tiny, dir);
        Assert.That(() => Trainer.Start(Tiny, dir), Throws.InvalidOperationException.With.Message.Contains("--resume"));
    }
}
