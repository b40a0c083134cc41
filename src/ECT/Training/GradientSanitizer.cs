namespace Ect.Training;

/// <summary>EDM/ECT's gradient sanitizer (spec §4.1 step 3): NaN → 0, +∞ → 1e5, −∞ → −1e5 in every gradient,
/// before the optimizer step. No clipping.</summary>
public static class GradientSanitizer
{
    public static void Apply(IEnumerable<Tensor> parameters)
    {
        using var _ = GradMode.NoGrad();
        foreach (var p in parameters)
            if (p.Grad is not null) p.Grad = p.Grad.NanToNum(0, 1e5, -1e5);
    }
}
