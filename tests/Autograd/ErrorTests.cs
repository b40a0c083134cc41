namespace Ect.Tests.Autograd;

/// <summary>Bad calls fail with a message that names the op, the shapes and what was expected.</summary>
public class ErrorTests
{
    private static void Fails(Action call, params string[] fragments)
    {
        try { call(); }
        catch (TensorShapeException ex)
        {
            foreach (var f in fragments) Assert.That(ex.Message, Does.Contain(f));
            return;
        }
        Assert.Fail($"expected a TensorShapeException mentioning {string.Join(", ", fragments)}");
    }

    [Test]
    public void IllegalBroadcastNamesBothShapes() =>
        Fails(() => _ = Tensor.Zeros([3, 4]) + Tensor.Zeros([5]), "Add", "[3, 4]", "[5]", "cannot be broadcast");

    [Test]
    public void MatMulInnerDimensionMismatch() =>
        Fails(() => Tensor.Zeros([4, 3]).MatMul(Tensor.Zeros([5, 2])), "MatMul", "[4, 3]", "[5, 2]", "Transpose");

    [Test]
    public void AxisOutOfRange() =>
        Fails(() => Tensor.Zeros([2, 3]).Sum([2]), "Sum", "axis 2", "rank 2");

    [Test]
    public void DTypeMix() =>
        Fails(() => _ = Tensor.Zeros([2]) * Tensor.Zeros([2], DType.Float64), "Mul", "float32", "float64");

    [Test]
    public void ReshapeToWrongCount() =>
        Fails(() => Tensor.Zeros([2, 3]).Reshape(4, 2), "Reshape", "[2, 3]", "[4, 2]");

    [Test]
    public void ConvChannelMismatch() =>
        Fails(() => Tensor.Zeros([1, 3, 8, 8]).Conv2d(Tensor.Zeros([4, 2, 3, 3])), "Conv2d", "3 channels", "expects 2");

    [Test]
    public void GroupNormIndivisibleChannels() =>
        Fails(() => Tensor.Zeros([1, 6, 2, 2]).GroupNorm(4), "GroupNorm", "6 channels", "4 equal groups");

    [Test]
    public void NarrowOutOfRange() =>
        Fails(() => Tensor.Zeros([3, 5]).Narrow(1, 3, 4), "Narrow", "size 5");

    [Test]
    public void ExpandNonUnitAxis() =>
        Fails(() => Tensor.Zeros([3, 2]).Expand(3, 4), "Expand", "only size-1 axes expand");

    [Test]
    public void DownsampleOddSize() =>
        Fails(() => Tensor.Zeros([1, 1, 5, 4]).Downsample2x(), "Downsample2x", "even H and W", "[1, 1, 5, 4]");
}
