using System.Diagnostics;
using System.Globalization;
using Ect.Datasets;
using Ect.IO;
using Ect.Objectives;
using Ect.Reporting;
using Ect.Sampling;

namespace Ect.Training;

/// <summary>What one training step reports.</summary>
public sealed record StepReport(long Step, string Phase, int Stage, double Loss, double ImagesPerSecond);

/// <summary>
/// The training loop (spec §4): EDM diffusion pretraining for PretrainSteps, then ECT tuning for TuneSteps, in one
/// run directory holding config.json, log.jsonl (one line per logged step), samples/ (grids over time) and
/// checkpoints/latest.safetensors (written atomically; checkpoints/pretrained.safetensors too when pretraining ends).
/// Every random draw of step k comes from counter-based streams
/// keyed by (seed, k), so a resumed run continues exactly as the uninterrupted one would (same thread count).
///
/// Per step: batch → loss (EDM or ECT) → backward → sanitize gradients (NaN → 0, ±∞ → ±1e5) → optimizer → EMA.
/// At the switch to tuning, the online and EMA networks both start from the pretrained EMA weights, dropout becomes
/// the ECT value and the optimizer starts fresh (RAdam), as spec §4.4 describes.
/// </summary>
public sealed class Trainer
{
    private const string FormatVersion = "1";
    private readonly ImageDataset _data;
    private readonly ulong _dataSeed, _noiseSeed, _dropoutSeed;
    private int[] _order = [];
    private long _orderEpoch = -1;
    private readonly Stopwatch _clock = new();
    // Wall time of the run: this process's share plus what earlier processes of a resumed run logged (checkpointed).
    private readonly Stopwatch _runClock = Stopwatch.StartNew();
    private double _wallSecondsBefore;

    public TrainConfig Config { get; }
    public string RunDirectory { get; }
    public Denoiser Online { get; }
    public Denoiser EmaNet { get; }

    /// <summary>Where the networks, the optimizer state and every step's tensors live. The data stays on the host;
    /// each batch is copied over.</summary>
    public Device Device { get; }
    public IOptimizer Optimizer { get; private set; }
    private Ema _ema;

    /// <summary>Completed optimizer steps over both phases.</summary>
    public long Step { get; private set; }

    /// <summary>Seconds of wall time the run has taken so far, over all processes that trained it.</summary>
    public double WallSeconds => _wallSecondsBefore + _runClock.Elapsed.TotalSeconds;

    /// <summary>Where the steps run, as the log and the report name it.</summary>
    /// <summary>Where the steps run, as the log and the report show it: "cpu (2 threads)" or "cuda:0".</summary>
    public string DeviceDescription => Device.Kind == DeviceKind.Cpu ? $"cpu ({Ect.Kernels.Cpu.Threads.Count} threads)" : Device.ToString();

    /// <summary>Receives problems that must not stop training (a report that could not be written).</summary>
    public Action<string> Warning { get; set; } = message => Console.Error.WriteLine($"warning: {message}");

    public bool IsTuning => Step >= Config.PretrainSteps;
    public int Stage => IsTuning ? Mapping.Stage(Step - Config.PretrainSteps, Config.ItersPerStage) : 0;

    private Trainer(TrainConfig config, string runDirectory, ImageDataset data, Device device)
    {
        config.Validate();
        Config = config; RunDirectory = runDirectory; _data = data; Device = device;
        var network = Networks.ByName(config.Network) with { ImageChannels = data.Channels, Resolution = data.Height };
        if (data.Height != data.Width)
            throw new InvalidDataException($"{data.Name}: images are {data.Height}×{data.Width}; the U-Net needs square images");
        // Initialised on the host (the same numbers on every device), then moved.
        Online = new Denoiser(new UNet(network, new Rng(config.Seed)));
        EmaNet = new Denoiser(new UNet(network, new Rng(config.Seed)));
        Online.To(device);
        EmaNet.To(device);
        EmaNet.Eval();
        (_dataSeed, _noiseSeed, _dropoutSeed) = (config.Seed * 4 + 1, config.Seed * 4 + 2, config.Seed * 4 + 3);
        Online.Net.SetDropout(IsTuning ? config.TuneDropout : config.PretrainDropout);
        Optimizer = NewOptimizer();
        _ema = new Ema(Online.Parameters().ToList(), EmaNet.Parameters().ToList());
        CopyWeights(Online, EmaNet);
    }

    /// <summary>Starts a new run in <paramref name="runDirectory"/> (which must not already hold a run).</summary>
    public static Trainer Start(TrainConfig config, string runDirectory, Device device = default)
    {
        if (File.Exists(Path.Combine(runDirectory, "config.json")))
            throw new InvalidOperationException($"{runDirectory} already holds a run; continue it with --resume {runDirectory}, or pick another --out");
        var trainer = new Trainer(config, runDirectory, DatasetLoader.Load(config.Data), device);
        Directory.CreateDirectory(runDirectory);
        File.WriteAllText(Path.Combine(runDirectory, "config.json"), config.ToJson());
        File.WriteAllText(Path.Combine(runDirectory, "log.jsonl"), "");
        return trainer;
    }

    /// <summary>Starts an ECT-only run (no pretraining) whose online and EMA networks both begin from the EMA
    /// weights of <paramref name="initCheckpoint"/> (spec §4.4: ECT tunes the pretrained model's EMA).</summary>
    public static Trainer StartFrom(TrainConfig config, string runDirectory, string initCheckpoint, Device device = default)
    {
        if (Directory.Exists(initCheckpoint)) initCheckpoint = LatestCheckpoint(initCheckpoint);
        var (pretrained, network) = Checkpoints.LoadEmaDenoiser(initCheckpoint);
        if (network.Name != config.Network)
            throw new ArgumentException($"--init {initCheckpoint} holds a '{network.Name}' network but the run is configured for '{config.Network}'; pass --config {network.Name}");
        var trainer = Start(config with { PretrainSteps = 0 }, runDirectory, device);
        CopyWeights(pretrained, trainer.Online);
        CopyWeights(pretrained, trainer.EmaNet);
        return trainer;
    }

    /// <summary>Continues the run in <paramref name="runDirectory"/> from its latest checkpoint.</summary>
    public static Trainer Resume(string runDirectory, Device device = default)
    {
        string configPath = Path.Combine(runDirectory, "config.json");
        if (!File.Exists(configPath)) throw new FileNotFoundException($"--resume {runDirectory}: no config.json there; is this a run directory?");
        var config = TrainConfig.FromJson(File.ReadAllText(configPath), configPath);
        var trainer = new Trainer(config, runDirectory, DatasetLoader.Load(config.Data), device);
        string checkpoint = LatestCheckpoint(runDirectory);
        if (File.Exists(checkpoint)) trainer.Load(checkpoint);
        trainer.TruncateLog();
        return trainer;
    }

    public static string LatestCheckpoint(string runDirectory) => Path.Combine(runDirectory, "checkpoints", "latest.safetensors");

    /// <summary>The checkpoint written when pretraining ends: the diffusion model before ECT tuning.</summary>
    public static string PretrainedCheckpoint(string runDirectory) => Path.Combine(runDirectory, "checkpoints", "pretrained.safetensors");

    private IOptimizer NewOptimizer()
    {
        var parameters = Online.Parameters().ToList();
        return IsTuning ? new RAdam(parameters, Config.TuneLr) : new Adam(parameters, Config.PretrainLr);
    }

    private static void CopyWeights(Module from, Module to)
    {
        foreach (var ((_, a), (_, b)) in from.NamedParameters().Zip(to.NamedParameters()))
            a.CopyInto(b);
    }

    /// <summary>Runs one optimizer step and returns what it measured.</summary>
    public StepReport TrainStep()
    {
        _clock.Restart();
        if (Step == Config.PretrainSteps && Config.PretrainSteps > 0) BeginTuning();
        double loss;
        using (var scope = TensorScope.Begin())
        {
            var y = NextBatch().To(Device);
            int b = Config.Batch;
            var noiseRng = new Rng(_noiseSeed, (ulong)Step << 32);
            var dropoutRng = new Rng(_dropoutSeed, (ulong)Step << 32);
            var z = TensorOps.RandomNormal([b], noiseRng, DType.Float64).ToDoubleArray();
            var noise = TensorOps.RandomNormal(y.Shape.AsSpan(), noiseRng, device: Device);
            DenoiserFn denoise = (x, sigma, rng) => Online.Forward(x, sigma, rng);
            Tensor lossTensor;
            if (IsTuning)
            {
                var t = EctLoss.SampleT(z);
                var r = t.Select(ti => Config.Mapping.R(ti, Stage)).ToArray();
                lossTensor = EctLoss.Compute(denoise, y, t, r, noise, dropoutRng, Config.C).Loss;
            }
            else
            {
                lossTensor = EdmLoss.Compute(denoise, y, EdmLoss.SampleSigma(z), noise, dropoutRng);
                double warmup = Math.Max(1, 0.05 * Config.PretrainSteps);
                Optimizer.LearningRate = Config.PretrainLr * Math.Min(1, (Step + 1) / warmup);
            }
            loss = lossTensor.Item();
            Online.ZeroGrad();
            lossTensor.Backward();
            GradientSanitizer.Apply(Online.Parameters());
            Optimizer.Update();
            Online.ZeroGrad();
        }
        _ema.Update(IsTuning ? Config.TuneEmaBeta : Ema.EdmBeta((Step + 1) * Config.Batch, Config.Batch, Config.PretrainEmaHalfLifeImages));
        string phase = IsTuning ? "tune" : "pretrain";
        int stage = Stage;
        Step++;
        var report = new StepReport(Step, phase, stage, loss, Config.Batch / _clock.Elapsed.TotalSeconds);
        if (Step % Config.LogEvery == 0 || Step == Config.TotalSteps) AppendLog(report);
        bool checkpoint = Step % Config.CheckpointEvery == 0 || Step == Config.TotalSteps;
        if (checkpoint) SaveCheckpoint();
        // The grid at the end of pretraining shows the diffusion model (Heun), whatever step comes next; its
        // checkpoint is kept apart, since tuning overwrites the EMA network that `ect eval --compare` samples with Heun.
        bool pretrainEnd = Step == Config.PretrainSteps;
        if (pretrainEnd) SaveCheckpoint(PretrainedCheckpoint(RunDirectory));
        if (Step % Config.SampleEvery == 0 || Step == Config.TotalSteps || pretrainEnd) WriteSamples(diffusion: phase == "pretrain");
        if (checkpoint) WriteReport();   // after the grids, so the last report shows the last samples
        return report;
    }

    /// <summary>Regenerates report.html. The report is a view of the run, never a reason to lose it: any failure
    /// (a bad eval file, a full disk, a bug in the page) becomes a warning and training goes on.</summary>
    public void WriteReport()
    {
        try { TrainingReport.Write(RunDirectory); }
        catch (Exception e) { Warning($"report.html not updated at step {Step}: {e.Message}"); }
    }

    private void BeginTuning()
    {
        // Spec §4.4: both networks start from the pretrained EMA weights; dropout changes; the optimizer is new.
        CopyWeights(EmaNet, Online);
        Online.Net.SetDropout(Config.TuneDropout);
        Optimizer = NewOptimizer();
        _ema = new Ema(Online.Parameters().ToList(), EmaNet.Parameters().ToList());
    }

    // Shuffled epochs: epoch e visits the images in the order of a permutation seeded by (seed, e).
    private Tensor NextBatch()
    {
        var indices = new int[Config.Batch];
        var flips = new bool[Config.Batch];
        for (int i = 0; i < indices.Length; i++)
        {
            long position = Step * Config.Batch + i;
            long epoch = position / _data.Count;
            if (epoch != _orderEpoch)
            {
                var random = new Random(HashCode.Combine(_dataSeed, epoch));
                _order = Enumerable.Range(0, _data.Count).ToArray();
                random.Shuffle(_order);
                _orderEpoch = epoch;
            }
            indices[i] = _order[position % _data.Count];
            flips[i] = Config.Flip && ((position * 2654435761L) >> 7 & 1) == 1;
        }
        return _data.Batch(indices, flips);
    }

    private void AppendLog(StepReport r)
    {
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{{\"step\":{r.Step},\"phase\":\"{r.Phase}\",\"stage\":{r.Stage},\"loss\":{r.Loss:R},\"lr\":{Optimizer.LearningRate:R},\"images_per_s\":{r.ImagesPerSecond:F1},\"wall_s\":{WallSeconds:F1},\"device\":\"{DeviceDescription}\"}}");
        File.AppendAllText(Path.Combine(RunDirectory, "log.jsonl"), line + "\n");
    }

    /// <summary>Drops log lines past the checkpoint's step (a killed run may have logged steps it never saved).</summary>
    private void TruncateLog()
    {
        string path = Path.Combine(RunDirectory, "log.jsonl");
        if (!File.Exists(path)) return;
        var kept = File.ReadAllLines(path).Where(line =>
        {
            int at = line.IndexOf("\"step\":", StringComparison.Ordinal);
            if (at < 0) return false;
            var digits = new string(line.Skip(at + 7).TakeWhile(char.IsDigit).ToArray());
            return long.TryParse(digits, out long s) && s <= Step;
        });
        File.WriteAllLines(path, kept);
    }

    public void SaveCheckpoint(string? path = null)
    {
        path ??= LatestCheckpoint(RunDirectory);
        var tensors = new Dictionary<string, SafeTensors.Entry>();
        foreach (var (name, t) in Online.NamedParameters()) tensors["online/" + name] = SafeTensors.FromTensor(t);
        foreach (var (name, t) in EmaNet.NamedParameters()) tensors["ema/" + name] = SafeTensors.FromTensor(t);
        var parameters = Online.NamedParameters().ToList();
        for (int i = 0; i < parameters.Count; i++)
        {
            var (m, v) = Optimizer.Moments(i);
            tensors["optimizer.m/" + parameters[i].Path] = SafeTensors.FromTensor(m);
            tensors["optimizer.v/" + parameters[i].Path] = SafeTensors.FromTensor(v);
        }
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "ect.net checkpoint " + FormatVersion,
            ["step"] = Step.ToString(CultureInfo.InvariantCulture),
            ["phase"] = IsTuning ? "tune" : "pretrain",
            ["stage"] = Stage.ToString(CultureInfo.InvariantCulture),
            ["optimizer"] = Optimizer.GetType().Name,
            ["optimizer_step"] = Optimizer.Step.ToString(CultureInfo.InvariantCulture),
            ["optimizer_lr"] = Optimizer.LearningRate.ToString("R", CultureInfo.InvariantCulture),
            ["config"] = Config.ToJson(),
            ["wall_s"] = WallSeconds.ToString("R", CultureInfo.InvariantCulture),
        };
        SafeTensors.Write(path, tensors, metadata);
    }

    private void Load(string path)
    {
        var (tensors, metadata) = SafeTensors.Read(path);
        if (!metadata.TryGetValue("format", out var format) || !format.StartsWith("ect.net checkpoint", StringComparison.Ordinal))
            throw new InvalidDataException($"{path}: not an ect.net checkpoint (no format tag)");
        Step = long.Parse(metadata["step"], CultureInfo.InvariantCulture);
        Online.Net.SetDropout(IsTuning ? Config.TuneDropout : Config.PretrainDropout);
        Optimizer = NewOptimizer();
        _ema = new Ema(Online.Parameters().ToList(), EmaNet.Parameters().ToList());
        Checkpoints.LoadInto(Online, tensors, "online/", path, Config.Network);
        Checkpoints.LoadInto(EmaNet, tensors, "ema/", path, Config.Network);
        var parameters = Online.NamedParameters().ToList();
        for (int i = 0; i < parameters.Count; i++)
        {
            var (m, v) = Optimizer.Moments(i);
            Checkpoints.LoadInto(m, tensors, "optimizer.m/" + parameters[i].Path, path, Config.Network);
            Checkpoints.LoadInto(v, tensors, "optimizer.v/" + parameters[i].Path, path, Config.Network);
        }
        Optimizer.Restore(long.Parse(metadata["optimizer_step"], CultureInfo.InvariantCulture));
        Optimizer.LearningRate = double.Parse(metadata["optimizer_lr"], CultureInfo.InvariantCulture);
        // Older checkpoints carry no wall time; the resumed run then counts from zero.
        _wallSecondsBefore = metadata.TryGetValue("wall_s", out var wall) ? double.Parse(wall, CultureInfo.InvariantCulture) : 0;
        _runClock.Restart();
    }

    /// <summary>Sample grids from the EMA network: Heun (35 NFE) while pretraining, 1- and 2-step consistency
    /// sampling while tuning. Fixed seed, so grids over time show the same noise.</summary>
    public void WriteSamples(int count = 64, bool? diffusion = null)
    {
        string dir = Path.Combine(RunDirectory, "samples");
        Directory.CreateDirectory(dir);
        var shape = new[] { count, _data.Channels, _data.Height, _data.Width };
        foreach (var (name, images) in SampleGrids(shape, diffusion ?? !IsTuning))
            File.WriteAllBytes(Path.Combine(dir, $"step{Step:D6}-{name}.png"), Png.Grid(images, 8));
    }

    public IEnumerable<(string Name, Tensor Images)> SampleGrids(int[] shape, bool diffusion)
    {
        using var _ = GradMode.NoGrad();
        if (diffusion)
        {
            yield return ("heun18", HeunSampler.Sample(ModelSampling.Diffusion(EmaNet), shape, 18, new Rng(12345), device: Device));
            yield break;
        }
        var consistency = ModelSampling.Consistency(EmaNet);
        yield return ("ect1step", ConsistencySampler.Sample(consistency, shape, ConsistencySampler.Times(1), new Rng(12345), Device));
        yield return ("ect2step", ConsistencySampler.Sample(consistency, shape, ConsistencySampler.Times(2), new Rng(12345), Device));
    }
}
