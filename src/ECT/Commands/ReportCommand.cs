using System.CommandLine;
using Ect.Reporting;

namespace Ect.Cli;

/// <summary>`ect report RUN_DIR`: (re)writes RUN_DIR/report.html, the self-contained training report the trainer
/// also refreshes at every checkpoint (run it after `ect eval --compare RUN_DIR` to add the evaluation table).</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var runDirectory = new Argument<string>("RUN_DIR") { Description = "A run directory written by `ect train`" };
        var command = new Command("report", "Write RUN_DIR/report.html: losses, t → r schedule, samples, throughput, evaluation") { runDirectory };
        command.SetAction(parse =>
        {
            string path = TrainingReport.Write(parse.GetValue(runDirectory)!);
            Console.WriteLine($"wrote {path} ({new FileInfo(path).Length / 1024.0:F0} KiB)");
            return 0;
        });
        return command;
    }
}
