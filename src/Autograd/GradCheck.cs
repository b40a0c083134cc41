namespace Ect.Autograd;

/// <summary>
/// Compares every op's backward rule with central finite differences. Run it in float64: the truncation error is
/// O(eps²) and rounding ~1e-16/eps, so with eps = 1e-6 both sit far below the tolerance. The output is contracted
/// with a random cotangent v (a plain Sum() would hide transposes and sign slips).
/// </summary>
public static class GradCheck
{
    /// <summary>One disagreement between the analytic and the numerical gradient.</summary>
    public sealed record Mismatch(int Input, long Index, double Analytic, double Numeric)
    {
        public override string ToString() =>
            $"input {Input}, flat index {Index}: backward gave {Analytic:G8}, finite differences {Numeric:G8}";
    }

    /// <summary>Returns the mismatches (empty when every gradient agrees within
    /// |numeric − analytic| ≤ tol·(1 + |numeric|)). Inputs must be float64 host leaves with RequiresGrad set;
    /// they may be non-contiguous views. Elements are perturbed in place and restored.</summary>
    public static List<Mismatch> Check(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-6, double tol = 1e-6, ulong seed = 7)
    {
        foreach (var input in inputs)
        {
            if (input.DType != DType.Float64)
                throw new ArgumentException("GradCheck: inputs must be float64 (finite differences in float32 are too noisy to judge)");
            input.Grad = null;
        }
        var y = f(inputs);
        var v = TensorOps.RandomNormal(y.Shape.AsSpan(), seed, DType.Float64);
        (y * v).Sum().Backward();

        var mismatches = new List<Mismatch>();
        using var _ = GradMode.NoGrad();
        for (int k = 0; k < inputs.Length; k++)
        {
            if (!inputs[k].RequiresGrad) continue;
            var grad = inputs[k].Grad;
            for (long i = 0; i < inputs[k].Count; i++)
            {
                double saved = inputs[k].GetDouble(i);
                inputs[k].SetDouble(i, saved + eps);
                double up = (f(inputs) * v).Sum().Item();
                inputs[k].SetDouble(i, saved - eps);
                double down = (f(inputs) * v).Sum().Item();
                inputs[k].SetDouble(i, saved);
                double numeric = (up - down) / (2 * eps);
                double analytic = grad?.GetDouble(i) ?? 0.0;
                if (!(Math.Abs(numeric - analytic) <= tol * (1 + Math.Abs(numeric))))
                    mismatches.Add(new Mismatch(k, i, analytic, numeric));
            }
        }
        return mismatches;
    }
}
