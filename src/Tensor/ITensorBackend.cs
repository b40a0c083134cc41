namespace Ect.Tensors;

/// <summary>Elementwise functions of one tensor. Their derivatives are written in the autograd room.</summary>
public enum UnaryOp
{
    Neg, Exp, Log, Sqrt, Rsqrt, Reciprocal, Sin, Cos, Tanh, Sigmoid, Silu, Relu, Abs, Square, Sign,
    /// <summary>1 where the input is finite, 0 at NaN and ±∞ (used by NanToNum's backward).</summary>
    IsFinite,
}

/// <summary>Elementwise functions of two broadcast tensors.</summary>
public enum BinaryOp
{
    Add, Sub, Mul, Div, Pow, Maximum, Minimum,
    /// <summary>1 where x &gt; y, else 0.</summary>
    Greater,
    /// <summary>1 where x &lt; y, else 0.</summary>
    Less,
    /// <summary>1 where x == y, else 0.</summary>
    Equal,
}

/// <summary>Reductions over a set of axes. Mean and variance are composites built on Sum in the autograd room.</summary>
public enum ReduceOp
{
    Sum,
    Max,
}

/// <summary>Geometry of a 2-D convolution (cross-correlation, as PyTorch's conv2d). Weight is [Cout, Cin, Kh, Kw].</summary>
public readonly record struct Conv2dGeometry(int Stride = 1, int Padding = 0)
{
    public int OutputSize(int input, int kernel) => (input + 2 * Padding - kernel) / Stride + 1;
}

/// <summary>
/// The scalars of one fused moment-optimizer step (the Adam family), computed on the host from the step number and the
/// hyper-parameters. Per element, with every factor first rounded to the tensors' dtype and no fused multiply-adds:
///   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g·g;
///   Adaptive:  θ ← θ − (StepSize·m) / (√v / RootBias2 + Eps);  otherwise θ ← θ − StepSize·m.
/// Adam: StepSize = lr/(1 − β1^k), RootBias2 = √(1 − β2^k). RAdam: its rectified step size and RootBias2 = 1, or
/// Adaptive = false for its early momentum-only steps.
/// </summary>
public readonly record struct MomentStepFactors(double Beta1, double Beta2, double StepSize, double RootBias2, double Eps, bool Adaptive);

/// <summary>
/// The primitive op set. Every backend (CPU now, CUDA later) implements all of it; everything else is composed from
/// these in the autograd room. Inputs may be any strided views (broadcast axes have stride 0); outputs are new
/// contiguous tensors on the same device unless the method writes into a destination it is given.
/// Implementations validate nothing that the public ops already checked, except where a backend has extra limits.
/// </summary>
public interface ITensorBackend
{
    Device Device { get; }

    /// <summary>A contiguous tensor with unspecified contents.</summary>
    Tensor Empty(ReadOnlySpan<int> shape, DType dtype);

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> (same shape; any strides;
    /// casting when the dtypes differ). Destination must not overlap the source.</summary>
    void Copy(Tensor source, Tensor destination);

    void Fill(Tensor destination, double value);

    Tensor Unary(UnaryOp op, Tensor x);

    /// <summary>dL/dx of SiLU in one pass: dy·σ(x)·(1 + x·(1 − σ(x))); x and dy have the same shape.</summary>
    Tensor SiluBackward(Tensor x, Tensor dy);

    /// <summary>x op y with NumPy broadcasting.</summary>
    Tensor Binary(BinaryOp op, Tensor x, Tensor y);

    /// <summary>x op s, or s op x when <paramref name="scalarFirst"/>.</summary>
    Tensor BinaryScalar(BinaryOp op, Tensor x, double s, bool scalarFirst = false);

    /// <summary>condition ≠ 0 ? a : b, all three broadcast together.</summary>
    Tensor Where(Tensor condition, Tensor a, Tensor b);

    /// <summary>min(max(x, lo), hi); NaN stays NaN.</summary>
    Tensor Clamp(Tensor x, double lo, double hi);

    /// <summary>NaN → nan, +∞ → posInf, −∞ → negInf, others unchanged.</summary>
    Tensor NanToNum(Tensor x, double nan, double posInf, double negInf);

    /// <summary>Reduces over <paramref name="axes"/> (sorted, distinct, non-empty or all). With keepDims the reduced
    /// axes stay as size 1.</summary>
    Tensor Reduce(ReduceOp op, Tensor x, int[] axes, bool keepDims);

    /// <summary>exp(x − max) / Σ exp(x − max) along <paramref name="axis"/>.</summary>
    Tensor Softmax(Tensor x, int axis);

    /// <summary>dL/dx of Softmax from its output y in one pass per row: y·(dy − Σ(dy·y)) along
    /// <paramref name="axis"/>; y and dy have the same shape.</summary>
    Tensor SoftmaxBackward(Tensor y, Tensor dy, int axis);

    /// <summary>Batched a·b: a is [..., M, K] (or [..., K, M] if transposeA), b is [..., K, N] (or [..., N, K]);
    /// batch axes broadcast. Result [..., M, N].</summary>
    Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false);

    /// <summary>x [N, Cin, H, W] ⋆ w [Cout, Cin, Kh, Kw] (+ bias [Cout]) → [N, Cout, Ho, Wo].</summary>
    Tensor Conv2d(Tensor x, Tensor w, Tensor? bias, Conv2dGeometry geometry);

    /// <summary>dL/dx of Conv2d given dL/dy; <paramref name="inputShape"/> is x's shape.</summary>
    Tensor Conv2dBackwardInput(Tensor dy, Tensor w, ReadOnlySpan<int> inputShape, Conv2dGeometry geometry);

    /// <summary>dL/dw of Conv2d given dL/dy; <paramref name="weightShape"/> is w's shape.</summary>
    Tensor Conv2dBackwardWeight(Tensor dy, Tensor x, ReadOnlySpan<int> weightShape, Conv2dGeometry geometry);

    /// <summary>[N, C, H, W] → [N, C, H/2, W/2]: mean of each 2×2 block (DDPM++ down-sampling, filter [1, 1]).</summary>
    Tensor Downsample2x(Tensor x);

    /// <summary>[N, C, H, W] → [N, C, 2H, 2W]: each pixel copied into a 2×2 block (DDPM++ up-sampling).</summary>
    Tensor Upsample2x(Tensor x);

    /// <summary>Group normalisation of x [N, C, ...] in <paramref name="groups"/> groups with biased variance, then
    /// ·γ[c] + β[c] when given. Also returns the per-(sample, group) mean and 1/sqrt(var + eps), each [N, groups],
    /// which the backward pass reuses.</summary>
    (Tensor Y, Tensor Mean, Tensor Rstd) GroupNorm(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps);

    /// <summary>Gradients of GroupNorm: dx always, dγ and dβ when γ was given.</summary>
    (Tensor Dx, Tensor? DGamma, Tensor? DBeta) GroupNormBackward(Tensor dy, Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, int groups);

    /// <summary>SiLU(GroupNorm(x)) fused: the statistics pass, then one pass that writes the activation (the U-Net
    /// applies SiLU after every GroupNorm but one). Returns the same mean and rstd as GroupNorm.</summary>
    (Tensor Y, Tensor Mean, Tensor Rstd) GroupNormSilu(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps);

    /// <summary>Gradients of GroupNormSilu. Recomputes GroupNorm(x) from x, mean and rstd (no saved activation), then
    /// applies SiLU′ inside the GroupNorm backward: dx always, dγ and dβ when γ was given.</summary>
    (Tensor Dx, Tensor? DGamma, Tensor? DBeta) GroupNormSiluBackward(Tensor dy, Tensor x, Tensor? gamma, Tensor? beta, Tensor mean, Tensor rstd, int groups);

    /// <summary>Fills with U[0, 1) numbers: element i uses counter (offset + i) of the (seed) Philox stream.</summary>
    void FillUniform(Tensor destination, ulong seed, ulong offset);

    /// <summary>Fills with N(0, 1) numbers: element i uses counter (offset + i) of the (seed) Philox stream.</summary>
    void FillNormal(Tensor destination, ulong seed, ulong offset);

    /// <summary>Fills with an inverted-dropout mask: element i is 1/(1 − p) where the U[0, 1) number FillUniform would
    /// write there (same seed, same offset) exceeds p, and 0 elsewhere. One pass, no uniform tensor.</summary>
    void FillDropoutMask(Tensor destination, double p, ulong seed, ulong offset);

    /// <summary>One fused optimizer update of a parameter (see <see cref="MomentStepFactors"/>): updates the moments
    /// <paramref name="m"/> and <paramref name="v"/> from <paramref name="gradient"/>, then the parameter, all in place.
    /// <paramref name="parameter"/>, <paramref name="m"/> and <paramref name="v"/> are contiguous tensors of the same
    /// shape and dtype; the gradient has that shape and may be any view. Results do not depend on how work is split.</summary>
    void MomentStep(Tensor parameter, Tensor gradient, Tensor m, Tensor v, MomentStepFactors factors);

    /// <summary>Exponential moving average in place: average ← β·average + (1 − β)·source, with β and 1 − β rounded
    /// to the dtype, two products and one sum (no fused multiply-add). <paramref name="average"/> is contiguous;
    /// <paramref name="source"/> has its shape and may be any view.</summary>
    void EmaUpdate(Tensor average, Tensor source, double beta);
}
