using System.CommandLine;
using Ect.Cli;

// The `ect` command line. Each subcommand lives in its own file under Commands/.
var root = new RootCommand("ECT.NET: Easy Consistency Tuning on a from-scratch C# deep-learning engine");
root.Subcommands.Add(InfoCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(SampleCommand.Create());
return root.Parse(args).Invoke();
