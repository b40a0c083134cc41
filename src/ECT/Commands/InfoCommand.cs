using System.CommandLine;
using System.Runtime.Intrinsics;
using Ect.Kernels.Cpu;
using Spectre.Console;

namespace Ect.Cli;

/// <summary>`ect info`: what this build is and what the machine offers it (SIMD width, cores, backends).</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "Show the engine version, the CPU features it uses and the available backends");
        command.SetAction(_ =>
        {
            var table = new Table().AddColumn("property").AddColumn("value");
            table.AddRow("version", typeof(InfoCommand).Assembly.GetName().Version?.ToString(3) ?? "?");
            table.AddRow(".NET", Environment.Version.ToString());
            table.AddRow("cores used", Threads.Count.ToString());
            table.AddRow("SIMD", Vector512.IsHardwareAccelerated ? "AVX-512 (Vector512)" : Vector256.IsHardwareAccelerated ? "AVX2 (Vector256)" : "128-bit or scalar");
            table.AddRow("backends", "cpu (CUDA backend not built yet)");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }
}
