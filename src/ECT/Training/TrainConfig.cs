using System.Text.Json;
using Ect.Objectives;

namespace Ect.Training;

/// <summary>Everything a training run needs, saved as config.json in the run directory and inside every checkpoint.
/// Immutable; variants with <c>with</c>; <see cref="Validate"/> runs before training starts.</summary>
public sealed record TrainConfig
{
    /// <summary>Network config name (see UNetConfig.Named plus "fmnist-fast").</summary>
    public string Network { get; init; } = "fmnist-fast";
    /// <summary>Dataset directory, or null for the embedded Fashion-MNIST test set.</summary>
    public string? Data { get; init; }
    public int Batch { get; init; } = 32;
    public ulong Seed { get; init; } = 1;
    /// <summary>EDM diffusion pretraining steps (0 with an initial checkpoint).</summary>
    public int PretrainSteps { get; init; } = 1200;
    /// <summary>Adam learning rate for pretraining, reached by a linear warm-up over the first 5 % of its steps.</summary>
    public double PretrainLr { get; init; } = 5e-4;
    public double PretrainDropout { get; init; } = 0.10;
    /// <summary>ECT tuning steps (RAdam).</summary>
    public int TuneSteps { get; init; } = 600;
    public double TuneLr { get; init; } = 1e-4;
    public double TuneDropout { get; init; } = 0.20;
    /// <summary>Mapping r(t): sigmoid with q, k, b (spec §3.2); the stage doubles every <see cref="ItersPerStage"/> steps.</summary>
    public double Q { get; init; } = 2;
    public double K { get; init; } = 8;
    public double B { get; init; } = 1;
    public int ItersPerStage { get; init; } = 200;
    /// <summary>Pseudo-Huber constant c (0: plain L2 norm, as for CIFAR-10).</summary>
    public double C { get; init; } = 0;
    /// <summary>EMA β during tuning (constant, spec §4.3); pretraining uses EDM's half-life with ramp-up.</summary>
    public double TuneEmaBeta { get; init; } = 0.99;
    public double PretrainEmaHalfLifeImages { get; init; } = 5_000;
    public bool Flip { get; init; }
    public int LogEvery { get; init; } = 10;
    public int SampleEvery { get; init; } = 500;
    public int CheckpointEvery { get; init; } = 250;

    public Mapping Mapping => new(MappingKind.Sigmoid, Q, K, B);
    public int TotalSteps => PretrainSteps + TuneSteps;

    public void Validate()
    {
        void Require(bool ok, string what) { if (!ok) throw new ArgumentException($"train config: {what}"); }
        Require(Batch >= 1, $"batch must be ≥ 1 (got {Batch})");
        Require(PretrainSteps >= 0 && TuneSteps >= 0 && TotalSteps > 0, "pretrain and tune step counts must be ≥ 0 and not both 0");
        Require(PretrainDropout is >= 0 and < 1 && TuneDropout is >= 0 and < 1, "dropout must be in [0, 1)");
        Require(Q > 1, $"q must be > 1 (got {Q})");
        Require(TuneEmaBeta is >= 0 and < 1, $"EMA β must be in [0, 1) (got {TuneEmaBeta})");
        Require(LogEvery >= 1 && SampleEvery >= 1 && CheckpointEvery >= 1, "log/sample/checkpoint intervals must be ≥ 1");
        _ = Networks.ByName(Network);
    }

    public string ToJson() => JsonSerializer.Serialize(this, TrainConfigJson.Default.TrainConfig);

    public static TrainConfig FromJson(string json, string source) =>
        JsonSerializer.Deserialize(json, TrainConfigJson.Default.TrainConfig)
        ?? throw new InvalidDataException($"{source}: empty training config");
}

/// <summary>Source-generated JSON for TrainConfig (works in the trimmed, self-contained build).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(TrainConfig))]
internal partial class TrainConfigJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>The network configs the CLI knows: the spec's three plus the CPU-budget default.</summary>
public static class Networks
{
    /// <summary>Fashion-MNIST on the CPU budget: fmnist-small with 16 base channels (spec §7.1's cheaper variant),
    /// 441,297 parameters, 0.238 GFLOP per image forward.</summary>
    public static readonly UNetConfig FmnistFast = UNetConfig.FmnistSmall with { Name = "fmnist-fast", ModelChannels = 16 };

    public static IReadOnlyList<UNetConfig> All { get; } = [.. UNetConfig.Named, FmnistFast];

    public static UNetConfig ByName(string name) =>
        All.FirstOrDefault(c => c.Name == name)
        ?? throw new ArgumentException($"unknown network '{name}'; known: {string.Join(", ", All.Select(c => c.Name))}");
}
