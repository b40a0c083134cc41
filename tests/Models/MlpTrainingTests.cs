using Ect.Models;

namespace Ect.Tests.Models;

/// <summary>End-to-end sanity: a two-layer MLP trained by our autograd with Adam fits a smooth function.</summary>
public class MlpTrainingTests
{
    private sealed class Mlp : Module
    {
        private readonly Linear _hidden, _output;
        public Mlp(Rng rng)
        {
            _hidden = Child("hidden", new Linear(2, 32, rng));
            _output = Child("output", new Linear(32, 1, rng));
        }
        public Tensor Forward(Tensor x) => _output.Forward(_hidden.Forward(x).Silu());
    }

    [Test]
    public void LossFallsByTwoOrdersOfMagnitudeOnASyntheticRegression()
    {
        var rng = new Rng(1234);
        var model = new Mlp(rng);
        Assert.That(model.NamedParameters().Select(p => p.Path),
            Is.EqualTo(new[] { "hidden.weight", "hidden.bias", "output.weight", "output.bias" }));
        Assert.That(model.ParameterCount(), Is.EqualTo(2 * 32 + 32 + 32 + 1));

        // Target: y = sin(2·x0) + x1² on x ~ U[-1, 1]², a fixed batch of 256 points.
        var x = TensorOps.RandomUniform([256, 2], new Rng(99)) * 2.0 - 1.0;
        var x0 = x.Narrow(1, 0, 1); var x1 = x.Narrow(1, 1, 1);
        var y = (x0 * 2.0).Sin() + x1.Square();

        // Full-batch training sits on a plateau near loss 0.025 for ~1000 steps, then falls to ~1e-3 by step 1300.
        // Adam (Kingma & Ba), written out here so the test depends on nothing but the autograd ops.
        var moments = model.Parameters().Select(p => (M: new double[p.Count], V: new double[p.Count])).ToArray();
        double first = 0, last = 0;
        for (int step = 1; step <= 1500; step++)
        {
            model.ZeroGrad();
            var loss = (model.Forward(x) - y).Square().Mean();
            loss.Backward();
            if (step == 1) first = loss.Item();
            last = loss.Item();
            int k = 0;
            foreach (var p in model.Parameters())
            {
                var (m, v) = moments[k++];
                var w = p.HostSpan<float>(); var g = p.Grad!.ToDoubleArray();
                for (int i = 0; i < g.Length; i++)
                {
                    m[i] = 0.9 * m[i] + 0.1 * g[i];
                    v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                    double mHat = m[i] / (1 - Math.Pow(0.9, step)), vHat = v[i] / (1 - Math.Pow(0.999, step));
                    w[i] -= (float)(0.01 * mHat / (Math.Sqrt(vHat) + 1e-8));
                }
            }
        }
        Assert.That(last, Is.LessThan(first / 100), $"loss went from {first} to {last}");
    }
}
