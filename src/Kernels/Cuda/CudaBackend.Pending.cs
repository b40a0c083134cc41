namespace Ect.Kernels.Cuda;

// The primitives the CUDA kernels have not reached yet. Each throws, naming itself, instead of falling back to the
// CPU silently. Whoever implements one in CudaBackend.<Family>.cs deletes its line here.
public sealed partial class CudaBackend
{
    public void Fill(Tensor destination, double value) => throw Pending("Fill");
    public Tensor Unary(UnaryOp op, Tensor x) => throw Pending("Unary");
    public Tensor SiluBackward(Tensor x, Tensor dy) => throw Pending("SiluBackward");
    public Tensor Binary(BinaryOp op, Tensor x, Tensor y) => throw Pending("Binary");
    public Tensor BinaryScalar(BinaryOp op, Tensor x, double s, bool scalarFirst = false) => throw Pending("BinaryScalar");
    public Tensor Where(Tensor condition, Tensor a, Tensor b) => throw Pending("Where");
    public Tensor Clamp(Tensor x, double lo, double hi) => throw Pending("Clamp");
    public Tensor NanToNum(Tensor x, double nan, double posInf, double negInf) => throw Pending("NanToNum");
    public Tensor Reduce(ReduceOp op, Tensor x, int[] axes, bool keepDims) => throw Pending("Reduce");
    public Tensor Softmax(Tensor x, int axis) => throw Pending("Softmax");
    public Tensor SoftmaxBackward(Tensor y, Tensor dy, int axis) => throw Pending("SoftmaxBackward");
    public Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false) => throw Pending("MatMul");
    public Tensor Conv2d(Tensor x, Tensor w, Tensor? bias, Conv2dGeometry geometry) => throw Pending("Conv2d");
    public Tensor Conv2dBackwardInput(Tensor dy, Tensor w, ReadOnlySpan<int> inputShape, Conv2dGeometry geometry) => throw Pending("Conv2dBackwardInput");
    public Tensor Conv2dBackwardWeight(Tensor dy, Tensor x, ReadOnlySpan<int> weightShape, Conv2dGeometry geometry) => throw Pending("Conv2dBackwardWeight");
    public Tensor Downsample2x(Tensor x) => throw Pending("Downsample2x");
    public Tensor Upsample2x(Tensor x) => throw Pending("Upsample2x");
    public (Tensor Y, Tensor Mean, Tensor Rstd) GroupNorm(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps) => throw Pending("GroupNorm");
    public (Tensor Dx, Tensor? DGamma, Tensor? DBeta) GroupNormBackward(Tensor dy, Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, int groups) => throw Pending("GroupNormBackward");
    public (Tensor Y, Tensor Mean, Tensor Rstd) GroupNormSilu(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps) => throw Pending("GroupNormSilu");
    public (Tensor Dx, Tensor? DGamma, Tensor? DBeta) GroupNormSiluBackward(Tensor dy, Tensor x, Tensor? gamma, Tensor? beta, Tensor mean, Tensor rstd, int groups) => throw Pending("GroupNormSiluBackward");
    public void FillUniform(Tensor destination, ulong seed, ulong offset) => throw Pending("FillUniform");
    public void FillNormal(Tensor destination, ulong seed, ulong offset) => throw Pending("FillNormal");
    public void FillDropoutMask(Tensor destination, double p, ulong seed, ulong offset) => throw Pending("FillDropoutMask");

    /// <summary>A device-to-device strided copy or cast (the part of Copy that needs a kernel).</summary>
    private void CopyOnDevice(Tensor source, Tensor destination) => throw Pending("Copy (strided or casting, on the device)");

    private static NotSupportedException Pending(string primitive) =>
        new($"{primitive} is not yet on CUDA; run with --device cpu");
}
