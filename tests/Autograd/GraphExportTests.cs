namespace Ect.Tests.Autograd;

/// <summary>The graph export that `ect graph` and docs/autograd.md rely on: order, edges, saved tensors, both formats.</summary>
public class GraphExportTests
{
    private static (Tensor Loss, Tensor X, Tensor W, Tensor B) Linear()
    {
        var x = TensorOps.RandomNormal([4, 3], 1); x.Name = "x";
        var w = TensorOps.RandomNormal([3, 2], 2).RequireGrad(); w.Name = "w";
        var b = Tensor.Zeros([2]).RequireGrad(); b.Name = "b";
        return ((x.MatMul(w) + b).Silu().Sum(), x, w, b);
    }

    [Test]
    public void OpsComeInForwardOrderWithTheirInputsAndSavedTensors()
    {
        var (loss, _, _, _) = Linear();
        var graph = GraphExport.Of(loss);
        Assert.That(graph.Entries.Where(e => !e.IsLeaf).Select(e => e.Op), Is.EqualTo(new[] { "MatMul", "Add", "Silu", "Sum" }));
        Assert.That(graph.Entries.Where(e => e.IsLeaf).Select(e => e.Label), Is.EquivalentTo(new[] { "w", "b" }),
            "x needs no gradient, so it is not a node of the graph (it is still saved by MatMul)");
        var matmul = graph.Entries.Single(e => e.Op == "MatMul");
        Assert.That(matmul.Saved, Does.Contain("x [4, 3]").And.Contain("w [3, 2]"), "MatMul's backward needs both operands");
        Assert.That(matmul.Shape, Is.EqualTo(new[] { 4, 2 }));
        var add = graph.Entries.Single(e => e.Op == "Add");
        var ids = graph.Entries.ToDictionary(e => e.Id);
        Assert.That(add.Inputs.Select(i => ids[i].Op ?? ids[i].Label), Is.EquivalentTo(new[] { "MatMul", "b" }));
        Assert.That(graph.Entries.Last().Op, Is.EqualTo("Sum"), "the root comes last");
    }

    [Test]
    public void DotAndHtmlNameEveryNodeAndEdge()
    {
        var graph = GraphExport.Of(Linear().Loss);
        string dot = graph.ToDot();
        Assert.That(dot, Does.StartWith("digraph autograd {").And.EndWith("}\n"));
        foreach (var e in graph.Entries)
        {
            Assert.That(dot, Does.Contain($"n{e.Id} ["));
            foreach (int input in e.Inputs) Assert.That(dot, Does.Contain($"n{input} -> n{e.Id};"));
        }
        string html = graph.ToHtml("linear <example>");
        Assert.That(html, Does.Contain("<title>linear &lt;example&gt;</title>"), "text is escaped");
        Assert.That(System.Text.RegularExpressions.Regex.Matches(html, "<tr id=\"n").Count, Is.EqualTo(graph.Entries.Count));
        Assert.That(html, Does.EndWith("</html>\n"));
    }

    [Test]
    public void AReleasedGraphShowsNothingBehindTheRoot()
    {
        var (loss, _, _, _) = Linear();
        loss.Backward();
        Assert.That(GraphExport.Of(loss).Entries, Has.Count.EqualTo(1), "Backward without retainGraph frees the graph");
    }
}
