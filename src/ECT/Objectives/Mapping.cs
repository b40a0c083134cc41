namespace Ect.Objectives;

/// <summary>Shape of ECT's t → r mapping (spec §3.2).</summary>
public enum MappingKind
{
    /// <summary>r = t·(1 − 1/q^(stage+1)).</summary>
    Const,
    /// <summary>r = t·(1 − n(t)/q^(stage+1)), n(t) = 1 + k·sigmoid(−b·t): coarser steps at small t (default).</summary>
    Sigmoid,
}

/// <summary>
/// ECT's mapping r = t_to_r(t, stage) (spec §3.2), exactly as the CIFAR-10 code computes it:
/// decay = 1/q^(stage+1) (note the +1: even stage 0 is not Δt = t), ratio = 1 − decay (const) or
/// 1 − decay·(1 + k·sigmoid(−b·t)) (sigmoid), r = max(t·ratio, 0). The gap t − r shrinks as the stage grows.
/// </summary>
public sealed record Mapping(MappingKind Kind = MappingKind.Sigmoid, double Q = 2, double K = 8, double B = 1)
{
    public double R(double t, int stage)
    {
        double decay = 1 / Math.Pow(Q, stage + 1);
        double ratio = Kind == MappingKind.Const ? 1 - decay : 1 - decay * (1 + K * Sigmoid(-B * t));
        return Math.Max(t * ratio, 0);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>The stage after <paramref name="completedSteps"/> optimizer steps: floor(k / itersPerStage)
    /// (the spec's recommended form of the reference's tick-based "--double" schedule, §3.3).</summary>
    public static int Stage(long completedSteps, long itersPerStage) =>
        itersPerStage <= 0 ? 0 : (int)(completedSteps / itersPerStage);
}
