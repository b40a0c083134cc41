using System.Net;
using System.Reflection;
using System.Text;

namespace Ect.Autograd;

/// <summary>
/// The recorded graph behind a tensor, for reading rather than running: every tensor that a gradient would flow
/// through, leaves first, each op with its output shape, its inputs and the tensors its backward closure keeps alive
/// ("saved" tensors: what the op needs to compute its gradient, and why a graph costs memory until backward frees it).
/// Written as Graphviz DOT (`dot -Tsvg graph.dot`) or as a self-contained HTML page that needs no Graphviz.
/// </summary>
public sealed class GraphExport
{
    /// <summary>One tensor of the graph: a leaf (parameter or input) or an op's output.</summary>
    public sealed record Entry(int Id, string Label, int[] Shape, string? Op, int[] Inputs, IReadOnlyList<string> Saved, bool IsLeaf);

    public IReadOnlyList<Entry> Entries { get; }

    private GraphExport(IReadOnlyList<Entry> entries) => Entries = entries;

    /// <summary>Walks the graph of <paramref name="root"/> (before Backward releases it, or with retainGraph).</summary>
    public static GraphExport Of(Tensor root)
    {
        var order = Backpropagation.TopologicalOrder(root);   // leaves first, root last
        var ids = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < order.Count; i++) ids[order[i]] = i;
        string Describe(Tensor t) => $"{(t.Name ?? (ids.TryGetValue(t, out int id) ? $"t{id}" : "constant"))} {Shape(t.Shape.AsSpan())}";
        var entries = new List<Entry>();
        for (int i = 0; i < order.Count; i++)
        {
            var t = order[i];
            if (t.GradFn is Node node)
            {
                int[] inputs = node.Inputs.Where(ids.ContainsKey).Select(x => ids[x]).ToArray();
                var saved = SavedBy(node).Select(Describe).ToList();
                entries.Add(new Entry(i, t.Name ?? $"t{i}", t.Shape.ToArray(), node.OpName, inputs, saved, false));
            }
            else entries.Add(new Entry(i, t.Name ?? $"leaf{i}", t.Shape.ToArray(), null, [], [], true));
        }
        return new GraphExport(entries);
    }

    /// <summary>The tensors a node's backward closure holds: fields of the closure object and of the closures it
    /// captured in turn (an op's rule is often a lambda over another lambda).</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2075",
        Justification = "Closure fields are read by the closures' own code, so trimming keeps them; a missing one would only shorten the list")]
    public static IReadOnlyList<Tensor> SavedBy(Node node)
    {
        var found = new List<Tensor>();
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "as above")]
        void Visit(object? target, int depth)
        {
            if (target is null || depth > 3 || !seen.Add(target)) return;
            foreach (var field in target.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                object? value = field.GetValue(target);
                switch (value)
                {
                    case Tensor t when !found.Contains(t, ReferenceEqualityComparer.Instance): found.Add(t); break;
                    case Tensor[] ts: foreach (var t in ts) if (!found.Contains(t, ReferenceEqualityComparer.Instance)) found.Add(t); break;
                    case Delegate d: Visit(d.Target, depth + 1); break;
                    case not null when field.FieldType.Name.Contains("DisplayClass"): Visit(value, depth + 1); break;
                }
            }
        }
        Visit(node.BackwardTarget, 0);
        return found;
    }

    private static string Shape(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Graphviz DOT: leaves as ellipses, ops as boxes labelled "op → shape" with their saved tensors;
    /// edges run from inputs to the op that consumed them, the direction of the forward pass.</summary>
    public string ToDot()
    {
        var dot = new StringBuilder("digraph autograd {\n  rankdir=TB;\n  node [fontname=\"monospace\", fontsize=10];\n");
        foreach (var e in Entries)
        {
            string label = e.IsLeaf
                ? $"{e.Label}\\n{Shape(e.Shape)}"
                : $"{e.Op} → {Shape(e.Shape)}" + (e.Saved.Count > 0 ? "\\nsaved: " + string.Join("\\n       ", e.Saved) : "");
            string shape = e.IsLeaf ? "ellipse, style=filled, fillcolor=\"#dbeafe\"" : "box";
            dot.Append($"  n{e.Id} [shape={shape}, label=\"{label.Replace("\"", "\\\"")}\"];\n");
            foreach (int input in e.Inputs) dot.Append($"  n{input} -> n{e.Id};\n");
        }
        return dot.Append("}\n").ToString();
    }

    /// <summary>One self-contained page: a table in forward order (leaves, then ops), each op linking to its
    /// inputs, with its saved tensors, followed by the DOT source.</summary>
    public string ToHtml(string title)
    {
        string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.Append($"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{E(title)}</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;")
            .Append("padding:4px 8px;vertical-align:top;font-family:monospace;font-size:13px}tr.leaf{background:#eef4ff}")
            .Append(":target{outline:3px solid #f59e0b}pre{background:#f6f6f6;padding:1em;overflow:auto}</style></head><body>\n")
            .Append($"<h1>{E(title)}</h1>\n<p>{Entries.Count(e => !e.IsLeaf)} recorded ops over {Entries.Count(e => e.IsLeaf)} leaves. ")
            .Append("Rows run in forward order; Backward() visits them bottom to top. \"Saved\" lists the tensors each op's ")
            .Append("backward closure holds until the backward pass frees it.</p>\n")
            .Append("<table><tr><th>#</th><th>op</th><th>output shape</th><th>inputs</th><th>saved for backward</th></tr>\n");
        foreach (var e in Entries)
        {
            string inputs = string.Join(", ", e.Inputs.Select(i => $"<a href=\"#n{i}\">#{i}</a>"));
            html.Append($"<tr id=\"n{e.Id}\"{(e.IsLeaf ? " class=\"leaf\"" : "")}><td>{e.Id}</td><td>{E(e.Op ?? "leaf: " + e.Label)}</td>")
                .Append($"<td>{E(Shape(e.Shape))}</td><td>{inputs}</td><td>{E(string.Join("; ", e.Saved))}</td></tr>\n");
        }
        html.Append("</table>\n<h2>Graphviz source</h2>\n<pre>").Append(E(ToDot())).Append("</pre>\n</body></html>\n");
        return html.ToString();
    }
}
