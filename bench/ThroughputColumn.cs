using System.Globalization;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

// Registered for the whole assembly, so every suite in bench/Kernels gets the columns without an attribute of its own.
[assembly: Config(typeof(Ect.Bench.ThroughputConfig))]

namespace Ect.Bench;

/// <summary>Adds the GFLOP/s and GB/s columns to every benchmark summary.</summary>
public sealed class ThroughputConfig : ManualConfig
{
    public ThroughputConfig() => AddColumn(
        new ThroughputColumn("GFLOP/s", work => work.Flops, "Floating-point operations per nanosecond (the benchmark's flop count / Mean)"),
        new ThroughputColumn("GB/s", work => work.Bytes, "Bytes per nanosecond, each input read once and each output written once (/ Mean)"));
}

/// <summary>
/// One summary column: a per-call amount of <see cref="Work"/> divided by the mean time. The amount comes from
/// <see cref="KernelBench.WorkOf"/> on a fresh instance of the benchmark class with the case's [Params] assigned;
/// benchmarks that are not a <see cref="KernelBench"/> show "-".
/// </summary>
public sealed class ThroughputColumn(string name, Func<Work, double> amount, string legend) : IColumn
{
    public string Id => nameof(ThroughputColumn) + "." + name;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double? meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (meanNanoseconds is not > 0 || WorkOf(benchmarkCase) is not Work work) return "-";
        // amount / ns = 1e9·amount / s: GFLOP/s and GB/s without a unit factor.
        return (amount(work) / meanNanoseconds.Value).ToString("F1", CultureInfo.InvariantCulture);
    }

    private static Work? WorkOf(BenchmarkCase benchmarkCase)
    {
        var type = benchmarkCase.Descriptor.Type;
        if (!typeof(KernelBench).IsAssignableFrom(type)) return null;
        var bench = (KernelBench)Activator.CreateInstance(type)!;
        const BindingFlags PublicInstance = BindingFlags.Public | BindingFlags.Instance;
        foreach (var parameter in benchmarkCase.Parameters.Items)
        {
            if (type.GetField(parameter.Name, PublicInstance) is { } field) field.SetValue(bench, parameter.Value);
            else type.GetProperty(parameter.Name, PublicInstance)?.SetValue(bench, parameter.Value);
        }
        return bench.WorkOf(benchmarkCase.Descriptor.WorkloadMethod.Name);
    }

    public override string ToString() => ColumnName;
}
