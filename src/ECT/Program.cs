using System.CommandLine;
using Ect.Cli;
using Ect.Kernels.Cuda;

// The `ect` command line. Each subcommand lives in its own file under Commands/.
var root = new RootCommand("ECT.NET: Easy Consistency Tuning on a from-scratch C# deep-learning engine");
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(SampleCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(GraphCommand.Create());
root.Subcommands.Add(CheckCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(ClassifierCommand.Create());
root.Subcommands.Add(EvalCommand.Create());

try
{
    return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or InvalidOperationException or UnauthorizedAccessException
                           or NotSupportedException or OutOfMemoryException
                           or CudaUnavailableException or CudaException or CublasException or KernelCompileException)
{
    // Bad input or environment: the message says what is wrong and what to do; a stack trace would bury it.
    // ECT_DEBUG=1 shows the full exception for bug reports.
    Console.Error.WriteLine($"ect: {e.Message}");
    if (Environment.GetEnvironmentVariable("ECT_DEBUG") == "1") Console.Error.WriteLine(e);
    return 1;
}
