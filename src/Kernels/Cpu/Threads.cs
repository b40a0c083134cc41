using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Ect.Kernels.Cpu;

/// <summary>
/// Splits a loop over [0, n) into one contiguous chunk per core when there is enough work to pay for the hand-off,
/// and runs the chunks on the calling thread and on <see cref="Count"/> − 1 workers of our own.
///
/// Why not Parallel.For: on this project's VMs a parked thread-pool thread took ~200 µs to wake (an idle vCPU is
/// halted and must be rescheduled by the host), so a region shorter than that ran both chunks on the caller, and a
/// long one started its second half late. A training step runs ~1,000 regions back to back (every conv, norm and
/// elementwise op). Our workers instead spin for a couple of milliseconds after each region, so the next one,
/// usually tens of microseconds later, starts on both cores at once; after that they sleep and cost nothing.
/// Chunk boundaries depend only on n and the chunk count, never on which thread runs a chunk, so results are the
/// same as with any scheduler.
/// </summary>
public static class Threads
{
    /// <summary>Worker count: the ECT_THREADS environment variable if set, else the machine's cores. Tests set 1 to
    /// check results do not depend on it.</summary>
    public static int Count { get; set; } =
        int.TryParse(Environment.GetEnvironmentVariable("ECT_THREADS"), out int n) && n > 0 ? n : Environment.ProcessorCount;

    /// <summary>Runs body(from, to) over chunks covering [0, n). <paramref name="costPerItem"/> is a rough count
    /// of elementary operations per item, used to decide whether to split at all.</summary>
    public static void For(long n, long costPerItem, Action<long, long> body)
    {
        const long MinWorkPerThread = 32_768;
        if (n <= 0) return;
        int chunks = (int)Math.Clamp(n * Math.Max(costPerItem, 1) / MinWorkPerThread, 1, Math.Min(Count, n));
        if (chunks <= 1)
        {
            body(0, n);
            return;
        }
        WorkerPool.Run(new Region(body, n, chunks));
    }

    /// <summary>Runs body(from, to, partial) over per-core chunks of [0, n), each chunk accumulating into its own
    /// zeroed array of <paramref name="size"/> elements, and returns the partials added in chunk order, so the result
    /// depends on the thread count only through rounding, never on scheduling (weight gradients summed over images).
    /// All arrays come from <see cref="BufferPool{T}"/> (weight gradients run every step; fresh arrays of this size
    /// would land on the large-object heap each time); the caller owns the returned one.</summary>
    public static T[] SumOverChunks<T>(long n, long costPerItem, int size, Action<long, long, T[]> body) where T : unmanaged, INumberBase<T>
    {
        T[] Zeroed()
        {
            var array = BufferPool<T>.Rent(size);
            Array.Clear(array);
            return array;
        }
        var partials = new List<(long From, T[] Sum)>();
        For(n, costPerItem, (from, to) =>
        {
            var sum = Zeroed();
            body(from, to, sum);
            lock (partials) partials.Add((from, sum));
        });
        if (partials.Count == 0) return Zeroed();
        partials.Sort((a, b) => a.From.CompareTo(b.From));
        var total = partials[0].Sum;
        foreach (var (_, sum) in partials.Skip(1))
        {
            TensorPrimitives.Add(total.AsSpan(0, size), sum.AsSpan(0, size), total.AsSpan(0, size));
            BufferPool<T>.Return(sum);
        }
        return total;
    }

    /// <summary>One parallel loop: chunk c covers [n·c/chunks, n·(c+1)/chunks). Threads claim chunks by number, so a
    /// worker that arrives late (or holds a finished region) finds nothing left and claims nothing.</summary>
    private sealed class Region(Action<long, long> body, long n, int chunks)
    {
        /// <summary>Set when the region is published; workers remember the last one they served by this number, not
        /// by reference, so a finished region (and what its body captured) is not kept alive.</summary>
        public long Number;
        private int _next;
        private int _unfinished = chunks;
        private ExceptionDispatchInfo? _error;

        public bool Finished => Volatile.Read(ref _unfinished) == 0;

        /// <summary>Claims and runs chunks until none is left.</summary>
        public void RunChunks()
        {
            for (int c; (c = Interlocked.Increment(ref _next) - 1) < chunks;)
            {
                try
                {
                    long from = n * c / chunks, to = n * (c + 1) / chunks;
                    if (to > from) body(from, to);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
                }
                Interlocked.Decrement(ref _unfinished);
            }
        }

        /// <summary>Every chunk in order on this thread: a region started from inside another one.</summary>
        public void RunInline()
        {
            for (int c = 0; c < chunks; c++)
            {
                long from = n * c / chunks, to = n * (c + 1) / chunks;
                if (to > from) body(from, to);
            }
        }

        public void ThrowIfFailed() => _error?.Throw();
    }

    /// <summary>The workers: background threads that take chunks of the current region. One region at a time; a
    /// region started while another runs (from inside a chunk, or from a second calling thread) runs inline.</summary>
    private static class WorkerPool
    {
        /// <summary>How long a worker spins for the next region before it sleeps.</summary>
        private static readonly long s_spinTicks = Stopwatch.Frequency / 500;   // 2 ms

        private static readonly object s_submit = new(), s_sleep = new();
        private static readonly List<Thread> s_workers = [];
        private static Region? s_current;
        private static long s_published;
        private static int s_sleepers;
        [ThreadStatic] private static bool t_inRegion;

        public static void Run(Region region)
        {
            if (t_inRegion || !Monitor.TryEnter(s_submit))
            {
                region.RunInline();
                return;
            }
            try
            {
                t_inRegion = true;
                EnsureWorkers(Count - 1);
                region.Number = ++s_published;
                // A full fence between publishing and reading the sleeper count (a worker increments the count, then
                // reads s_current): one of the two always sees the other's write, so no worker sleeps through this.
                Interlocked.Exchange(ref s_current, region);
                if (Volatile.Read(ref s_sleepers) > 0)
                    lock (s_sleep) Monitor.PulseAll(s_sleep);
                region.RunChunks();
                // The other chunks are short and already running: wait for them without giving up the core.
                var wait = new SpinWait();
                while (!region.Finished) wait.SpinOnce(sleep1Threshold: -1);
                Volatile.Write(ref s_current, null);
            }
            finally
            {
                t_inRegion = false;
                Monitor.Exit(s_submit);
            }
            region.ThrowIfFailed();
        }

        private static void EnsureWorkers(int count)
        {
            while (s_workers.Count < count)
            {
                var worker = new Thread(Work) { IsBackground = true, Name = $"ect-worker-{s_workers.Count + 1}" };
                s_workers.Add(worker);
                worker.Start();
            }
        }

        private static void Work()
        {
            t_inRegion = true;
            long last = 0;
            while (true)
            {
                var region = WaitForRegion(last);
                last = region.Number;
                region.RunChunks();
            }
        }

        // Spins until a region other than the last one is published, then sleeps until one is.
        private static Region WaitForRegion(long last)
        {
            long until = Stopwatch.GetTimestamp() + s_spinTicks;
            while (Stopwatch.GetTimestamp() < until)
            {
                for (int i = 0; i < 64; i++)
                {
                    var current = Volatile.Read(ref s_current);
                    if (current is not null && current.Number != last) return current;
                    Thread.SpinWait(8);
                }
            }
            lock (s_sleep)
            {
                Interlocked.Increment(ref s_sleepers);
                try
                {
                    while (true)
                    {
                        var current = Volatile.Read(ref s_current);
                        if (current is not null && current.Number != last) return current;
                        Monitor.Wait(s_sleep);
                    }
                }
                finally { Interlocked.Decrement(ref s_sleepers); }
            }
        }
    }
}
