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
