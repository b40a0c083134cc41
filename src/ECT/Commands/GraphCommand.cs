using System.CommandLine;
using Ect.Models;
using Ect.Objectives;
using Ect.Training;

namespace Ect.Cli;

/// <summary>`ect graph`: records one loss and writes its autograd graph as Graphviz DOT and as a self-contained
/// HTML page (docs/autograd.md walks through the `linear` example).</summary>
internal static class GraphCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Record the ECT loss of this network on a batch of two random images (e.g. tiny)" };
        var example = new Option<string?>("--example") { Description = "Record a small expression instead: linear = (x·w + b).Silu().Sum()" };
        var output = new Option<string>("--out") { Description = "Folder for graph.dot and graph.html", DefaultValueFactory = _ => "graph" };
        var command = new Command("graph", "Export the autograd graph of one loss (DOT and HTML)") { config, example, output };
        command.SetAction(parse =>
        {
            string? name = parse.GetValue(config), expression = parse.GetValue(example);
            if ((name is null) == (expression is null))
                throw new ArgumentException("graph: give exactly one of --config NAME (e.g. tiny) or --example linear");
            var (loss, title) = name is not null ? EctLossOf(name) : (Example(expression!), $"autograd graph of {expression}");
            var graph = GraphExport.Of(loss);
            string dir = parse.GetValue(output)!;
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "graph.dot"), graph.ToDot());
            File.WriteAllText(Path.Combine(dir, "graph.html"), graph.ToHtml(title));
            Console.WriteLine($"{graph.Entries.Count(e => !e.IsLeaf)} ops, {graph.Entries.Count(e => e.IsLeaf)} leaves → " +
                $"{Path.Combine(dir, "graph.dot")} (render: dot -Tsvg graph.dot > graph.svg), {Path.Combine(dir, "graph.html")}");
            return 0;
        });
        return command;
    }

    /// <summary>The ECT loss of an untrained network at stage-0-like noise levels, on two random images.</summary>
    private static (Tensor Loss, string Title) EctLossOf(string name)
    {
        var network = Networks.ByName(name);
        var denoiser = new Denoiser(new UNet(network, new Rng(0)));
        denoiser.Train();
        foreach (var (path, parameter) in denoiser.NamedParameters()) parameter.Name = path;   // full state-dict names in the graph
        int c = network.ImageChannels, r = network.Resolution;
        var y = TensorOps.RandomNormal([2, c, r, r], new Rng(1)); var noise = TensorOps.RandomNormal([2, c, r, r], new Rng(2));
        y.Name = "y (clean images)"; noise.Name = "noise";
        var result = EctLoss.Compute((x, sigma, rng) => denoiser.Forward(x, sigma, rng), y, [2.0, 0.5], [1.0, 0.25], noise, new Rng(3));
        return (result.Loss, $"autograd graph of the ECT loss of {name}");
    }

    /// <summary>The expression docs/autograd.md follows step by step.</summary>
    private static Tensor Example(string expression)
    {
        if (expression != "linear") throw new ArgumentException($"graph: unknown example '{expression}'; known: linear");
        var x = TensorOps.RandomNormal([4, 3], new Rng(1)); x.Name = "x";
        var w = TensorOps.RandomNormal([3, 2], new Rng(2)).RequireGrad(); w.Name = "w";
        var b = Tensor.Zeros([2]).RequireGrad(); b.Name = "b";
        return (x.MatMul(w) + b).Silu().Sum();
    }
}
