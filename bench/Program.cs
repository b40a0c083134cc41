using BenchmarkDotNet.Running;
using Ect.Bench;

// `dotnet run -c Release --project bench -- quick` prints one `kernel shape GFLOP/s GB/s` line per measurement;
// anything else goes to BenchmarkDotNet (e.g. `-- --filter '*MatMul*'`).
if (args.Length > 0 && args[0] == "quick") return QuickBench.Run(args.Length > 1 ? args[1] : null);
BenchmarkSwitcher.FromAssembly(typeof(QuickBench).Assembly).Run(args);
return 0;
