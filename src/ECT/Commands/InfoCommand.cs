using System.CommandLine;
using System.Runtime.Intrinsics;
using Ect.IO;
using Ect.Kernels.Cpu;
using Ect.Kernels.Cuda;
using Ect.Training;
using Spectre.Console;

namespace Ect.Cli;

/// <summary>`ect info`: the engine and machine; with --config a network's size and cost; with --checkpoint what a
/// checkpoint holds.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Show a network config: parameters and forward FLOPs per image" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Show a checkpoint's metadata and tensors (file or run directory)" };
        var command = new Command("info", "Show the engine, a network config, or a checkpoint") { config, checkpoint };
        command.SetAction(parse =>
        {
            var table = new Table().AddColumn("property").AddColumn("value");
            table.AddRow("version", typeof(InfoCommand).Assembly.GetName().Version?.ToString(3) ?? "?");
            table.AddRow(".NET", Environment.Version.ToString());
            table.AddRow("cores used", Threads.Count.ToString());
            table.AddRow("SIMD", Vector512.IsHardwareAccelerated ? "AVX-512 (Vector512)" : Vector256.IsHardwareAccelerated ? "AVX2 (Vector256)" : "128-bit or scalar");
            table.AddRow("cuda", Markup.Escape(CudaDevices.Status()));
            if (parse.GetValue(config) is { } name)
            {
                var net = new UNet(Networks.ByName(name), new Rng(0));
                table.AddRow("network", Markup.Escape(name));
                table.AddRow("parameters", net.ParameterCount().ToString("N0"));
                table.AddRow("forward GFLOP/image", (net.FlopsPerImage() / 1e9).ToString("F4"));
                table.AddRow("ECT step GFLOP/image (≈4× forward)", (4 * net.FlopsPerImage() / 1e9).ToString("F3"));
            }
            if (parse.GetValue(checkpoint) is { } path)
            {
                if (Directory.Exists(path)) path = Trainer.LatestCheckpoint(path);
                var (tensors, metadata) = SafeTensors.Read(path);
                foreach (var (k, v) in metadata.Where(m => m.Key != "config")) table.AddRow(Markup.Escape(k), Markup.Escape(v));
                foreach (var group in tensors.GroupBy(t => t.Key.Split('/')[0]))
                    table.AddRow(Markup.Escape(group.Key), $"{group.Count()} tensors, {group.Sum(t => t.Value.Data.LongLength / 4):N0} values");
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
