using Ect.Objectives;
using Ect.Training;

namespace Ect.Reporting;

/// <summary>
/// ECT's t → r mapping over a run, computed from its config with the trainer's own code (TrainConfig.Mapping,
/// Mapping.Stage, EctLoss.SampleT), not re-derived here: for each stage, r/t and the gap Δt = t − r at the 10 %,
/// 50 % and 90 % quantiles of the training distribution of t (ln t ~ N(P_mean, P_std²), spec §3.1).
/// </summary>
public static class TrSchedule
{
    /// <summary>Standard-normal quantiles z for the 10 %, 50 % and 90 % points; t = SampleT(z) is monotone in z.</summary>
    public static readonly (string Label, double Z)[] Quantiles = [("t at 10 %", -1.2815515655446004), ("median t", 0), ("t at 90 %", 1.2815515655446004)];

    public static double[] Times => EctLoss.SampleT(Quantiles.Select(q => q.Z).ToArray());

    /// <summary>One stage: the global step range it trains (from, to], r/t and t − r at each quantile time.</summary>
    public sealed record Stage(int Index, long FromStep, long ToStep, double[] RatioRt, double[] Gap);

    public static IReadOnlyList<Stage> Stages(TrainConfig config)
    {
        if (config.TuneSteps <= 0) return [];
        var times = Times;
        int last = Mapping.Stage(config.TuneSteps - 1, config.ItersPerStage);
        var stages = new List<Stage>();
        for (int k = 0; k <= last; k++)
        {
            // Tuning step j (0-based) runs in stage Mapping.Stage(j); stage k covers j in [k·I, (k+1)·I).
            long from = k * (long)config.ItersPerStage, to = k == last ? config.TuneSteps : (k + 1) * (long)config.ItersPerStage;
            var r = times.Select(t => config.Mapping.R(t, k)).ToArray();
            stages.Add(new Stage(k, config.PretrainSteps + from, config.PretrainSteps + to,
                r.Select((ri, i) => ri / times[i]).ToArray(), r.Select((ri, i) => times[i] - ri).ToArray()));
        }
        return stages;
    }
}
