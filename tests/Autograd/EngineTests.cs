using Ect.Tests.Numerics;

namespace Ect.Tests.Autograd;

/// <summary>The graph and the backward pass: accumulation, no-grad, detach, release of saved tensors, errors.</summary>
public class EngineTests
{
    [Test]
    public void TensorUsedTwiceGetsBothContributions()
    {
        var x = Tensor.FromArray([3.0]).Leaf();
        (x * x + x).Sum().Backward();                        // d/dx (x² + x) = 2x + 1
        Assert.That(x.Grad!.Item(), Is.EqualTo(7));
    }

    [Test]
    public void GradientsAccumulateAcrossBackwardCalls()
    {
        var x = Tensor.FromArray([1.0, 2.0]).Leaf();
        (x * 3.0).Sum().Backward();
        (x * 3.0).Sum().Backward();
        Assert.That(x.Grad!.ToDoubleArray(), Is.EqualTo(new double[] { 6, 6 }));
    }

    [Test]
    public void NoGradRecordsNothingAndDetachStopsGradients()
    {
        var x = Tensor.FromArray([2.0]).Leaf();
        using (GradMode.NoGrad())
        {
            var y = x * 2.0;
            Assert.That(y.RequiresGrad, Is.False);
            Assert.That(y.GradFn, Is.Null);
            using (GradMode.NoGrad()) { }
            Assert.That(GradMode.IsEnabled, Is.False, "nested scopes compose");
        }
        Assert.That(GradMode.IsEnabled, Is.True);
        var z = x * x.Detach();                               // d/dx (x · sg(x)) = sg(x) = 2
        z.Sum().Backward();
        Assert.That(x.Grad!.Item(), Is.EqualTo(2));
    }

    [Test]
    public void GraphIsReleasedAfterBackwardUnlessRetained()
    {
        var x = Tensor.FromArray([1.0, 2.0]).Leaf();
        var y = (x.Exp() * 2.0).Sum();
        var node = (Node)y.GradFn!;
        y.Backward(retainGraph: true);
        Assert.That(node.IsReleased, Is.False);
        y.Backward();
        Assert.That(node.IsReleased, Is.True);
        Assert.That(node.Inputs, Is.Empty, "saved tensors are dropped");
        Assert.That(() => y.Backward(), Throws.InvalidOperationException.With.Message.Contains("retainGraph"));
        Assert.That(x.Grad!.ToDoubleArray(), Is.EqualTo(new[] { 4 * Math.E, 4 * Math.E * Math.E }).Within(1e-12));
    }

    [Test]
    public void NonScalarOutputNeedsAnExplicitGradient()
    {
        var x = Tensor.FromArray([1.0, 2.0]).Leaf();
        var y = x * 2.0;
        Assert.That(() => y.Backward(), Throws.InvalidOperationException.With.Message.Contains("pass its gradient explicitly"));
        y.Backward(Tensor.FromArray([1.0, -1.0]));
        Assert.That(x.Grad!.ToDoubleArray(), Is.EqualTo(new double[] { 2, -2 }));
    }

    [Test]
    public void BackwardOnAConstantExplains()
    {
        var y = Tensor.Ones([2]).Sum();
        Assert.That(() => y.Backward(), Throws.InvalidOperationException.With.Message.Contains("does not require grad"));
    }

    [Test]
    public void CreateGraphAllowsSecondDerivatives()
    {
        var x = Tensor.FromArray([0.7]).Leaf();
        var y = x.Sin() * x;                                  // y' = cos x · x + sin x
        y.Sum().Backward(createGraph: true);
        var dy = x.Grad!;
        Assert.That(dy.Item(), Is.EqualTo(Math.Cos(0.7) * 0.7 + Math.Sin(0.7)).Within(1e-12));
        Assert.That(dy.RequiresGrad, Is.True);
    }

    [Test]
    public void TopologicalOrderVisitsInputsBeforeConsumers()
    {
        var a = Tensor.FromArray([1.0]).Leaf(); var b = Tensor.FromArray([2.0]).Leaf();
        var c = a * b; var d = c + a; var e = d * c;
        var order = Backpropagation.TopologicalOrder(e);
        Assert.That(order.IndexOf(a), Is.LessThan(order.IndexOf(c)));
        Assert.That(order.IndexOf(c), Is.LessThan(order.IndexOf(d)));
        Assert.That(order[^1], Is.SameAs(e));
    }
}

/// <summary>Memory behaviour of the backward pass.</summary>
public class BackwardMemoryTests
{
    [Test]
    public void IntermediateGradientsReturnToThePoolDuringBackward()
    {
        var x = Tensor.Ones([100_000]).RequireGrad();
        var y = ((x * 2.0).Exp() * 3.0 + x).Sum();
        long before = BufferPool<float>.PooledBytes;
        y.Backward();
        // The chain creates several 400 KB gradients (of the Exp output, the product, the sum's expansion, …);
        // at least two of them must be back in the pool once backward is done, while x.Grad stays valid.
        Assert.That(BufferPool<float>.PooledBytes - before, Is.GreaterThanOrEqualTo(2 * 400_000));
        Assert.That(x.Grad!.GetDouble(7), Is.EqualTo(6 * Math.Exp(2) + 1).Within(1e-3));
    }

    [Test]
    public void SharedGradientObjectsSurviveUntilTheirLastUse()
    {
        // Add hands one gradient object to both inputs; accumulating into one must not free the other's.
        var a = Tensor.FromArray(Enumerable.Repeat(1.0, 5000).ToArray()).RequireGrad();
        var b = Tensor.FromArray(Enumerable.Repeat(2.0, 5000).ToArray()).RequireGrad();
        var s = a + b;
        var y = (s + a).Sum() + (s * b).Sum();
        y.Backward();
        Assert.That(a.Grad!.ToDoubleArray(), Is.All.EqualTo(2 + 2.0));   // d/da: 1 (via s) + 1 + b (via s·b) = 4
        Assert.That(b.Grad!.ToDoubleArray(), Is.All.EqualTo(1 + 3.0 + 2.0)); // d/db: 1 + (s + b) = 1 + 3 + 2 = 6
    }

    [Test]
    public void LeafGradientsNeverShareMemoryWithAnotherTensor()
    {
        // A leaf may take a gradient the backward pass made without copying it, but only one nothing else holds.
        // Add hands one gradient object to both of its inputs; a reshape's gradient is a view of the caller's
        // cotangent; an exp's is a fresh tensor the leaf can own. Writing into each leaf's gradient must change
        // nothing else.
        var a = Tensor.FromArray([1.0, 2.0, 3.0, 4.0]).RequireGrad();
        var b = Tensor.FromArray([5.0, 6.0, 7.0, 8.0]).RequireGrad();
        (a + b).Backward(Tensor.FromArray([1.0, 1.0, 1.0, 1.0]));
        Assert.That(a.Grad!.Storage, Is.Not.SameAs(b.Grad!.Storage));
        a.Grad.HostSpan<double>().Fill(-1);
        Assert.That(b.Grad.ToDoubleArray(), Is.All.EqualTo(1.0));

        var c = Tensor.FromArray([1.0, 2.0, 3.0, 4.0]).RequireGrad();
        var cotangent = Tensor.FromArray([0.5, 0.25, 2.0, 4.0]);
        c.Reshape([2, 2]).Backward(cotangent.Reshape([2, 2]));
        Assert.That(c.Grad!.Storage, Is.Not.SameAs(cotangent.Storage));
        c.Grad.HostSpan<double>().Fill(-1);
        Assert.That(cotangent.ToDoubleArray(), Is.EqualTo(new[] { 0.5, 0.25, 2.0, 4.0 }));

        var d = Tensor.FromArray([0.0, 1.0]).RequireGrad();
        var dy = Tensor.FromArray([1.0, 1.0]);
        d.Exp().Backward(dy);
        Assert.That(d.Grad!.Storage, Is.Not.SameAs(dy.Storage));
        Assert.That(d.Grad.ToDoubleArray(), Is.EqualTo(new[] { 1.0, Math.E }).Within(1e-12));
        d.Exp().Backward(dy);   // a second pass accumulates into the gradient the first one handed over
        Assert.That(d.Grad.ToDoubleArray(), Is.EqualTo(new[] { 2.0, 2 * Math.E }).Within(1e-12));
    }
}
