using System.Diagnostics;
using System.Runtime;
using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using TorchSharp;

namespace NasActors.Torch.Training;

/// <summary>What the garbage collector does while the probe trains.</summary>
public enum GcPressure
{
    /// <summary>Collections when the runtime wants them.</summary>
    Normal,

    /// <summary>A thread collecting and running finalizers back to back: any tensor or scalar that only a finalizer
    /// would free is freed as soon as it becomes unreachable, mid native call included.</summary>
    Stress,

    /// <summary>No collection at all while training (a no-GC region): the finalizer thread has nothing to free, so a
    /// fault that remains is not a lifetime bug.</summary>
    Suppressed,
}

/// <summary>How the probe trains: <paramref name="Trainers"/> supernets at once, each on a thread of this process.
/// <paramref name="Serialised"/> runs their steps one at a time (same work, no overlap).</summary>
public sealed record NonFiniteProbeSettings(int Trainers, long StepsPerTrainer, GcPressure Gc, NetworkShape Shape, int BatchSize,
                                            bool Serialised = false, long Seed = 1);

/// <summary>What the probe counted. <paramref name="NonFinite"/>: computations of a step whose loss or gradient came out
/// NaN or infinite (each is recomputed); <paramref name="Failed"/>: steps that stayed non-finite over every recomputation;
/// <paramref name="TensorsOutsideScopes"/>: tensors the training threads created outside any dispose scope, which only
/// the finalizer would free; <paramref name="Collections"/>: garbage collections during training.</summary>
public sealed record NonFiniteProbeResult(long Steps, long NonFinite, long Failed, long TensorsOutsideScopes, int Collections,
                                          long StressCycles, TimeSpan Elapsed)
{
    public double NonFinitePer10k => Steps == 0 ? 0 : NonFinite * 10_000.0 / Steps;
    public double FailedPer10k => Steps == 0 ? 0 : Failed * 10_000.0 / Steps;
}

/// <summary>Reproducer of the NaN gradients seen with several trainers in one process, with no search around it: supernets
/// train single paths on generated images on several threads at once, as trainer and evaluator actors do, and every
/// non-finite loss or gradient <see cref="SgdTrainer"/> recomputes is counted.</summary>
public static class NonFiniteProbe
{
    /// <param name="progress">Called by the first trainer every tenth of its steps with the steps done and the
    /// non-finite computations so far, over all trainers (long runs on a loaded machine take a while).</param>
    public static NonFiniteProbeResult Run(NonFiniteProbeSettings settings, Action<long, long>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.Trainers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.StepsPerTrainer, 1);
        // Built before the clock starts and before any no-GC region: construction allocates most of the managed memory.
        var trainings = Enumerable.Range(0, settings.Trainers)
            .Select(t => new SyntheticTraining(settings.Shape, settings.BatchSize, settings.StepsPerTrainer, settings.Seed + t))
            .ToArray();
        try
        {
            using var done = new CancellationTokenSource();
            var serial = new object();
            long stressCycles = 0;
            var stress = settings.Gc == GcPressure.Stress
                ? new Thread(() =>
                {
                    while (!done.IsCancellationRequested)
                    {
                        GC.Collect();
                        GC.WaitForPendingFinalizers();
                        Interlocked.Increment(ref stressCycles);
                    }
                }) { IsBackground = true, Name = "gc stress" }
                : null;
            var counts = new (long Failed, long Outside)[settings.Trainers];
            var threads = Enumerable.Range(0, settings.Trainers).Select(t => new Thread(() =>
            {
                var rng = new Rng((ulong)(settings.Seed + t));
                var outsideBefore = DisposeScopeManager.Statistics.TensorStatistics.CreatedOutsideScopeCount;
                for (var step = 0L; step < settings.StepsPerTrainer; step++)
                {
                    var path = ArchitectureSampling.Uniform(Nb201Space.Instance, rng);
                    try
                    {
                        if (settings.Serialised)
                            lock (serial) trainings[t].Step(path, step);
                        else trainings[t].Step(path, step);
                    }
                    catch (NonFiniteLossException)
                    {
                        counts[t].Failed++;  // weights were left as they were: the next step goes on from them
                    }
                    if (t == 0 && progress is not null && (step + 1) % Math.Max(1, settings.StepsPerTrainer / 10) == 0)
                        progress((step + 1) * settings.Trainers, trainings.Sum(training => training.Trainer.GradientRetries));
                }
                // Per thread: TorchSharp keeps these statistics thread-local.
                counts[t].Outside = DisposeScopeManager.Statistics.TensorStatistics.CreatedOutsideScopeCount - outsideBefore;
            }) { Name = $"trainer {t}" }).ToArray();

            var noGc = settings.Gc == GcPressure.Suppressed && StartNoGcRegion();
            var collectionsBefore = GC.CollectionCount(0);
            var clock = Stopwatch.StartNew();
            stress?.Start();
            foreach (var thread in threads) thread.Start();
            foreach (var thread in threads) thread.Join();
            clock.Stop();
            done.Cancel();
            stress?.Join();
            var collections = GC.CollectionCount(0) - collectionsBefore;
            if (noGc && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
            return new NonFiniteProbeResult(settings.Trainers * settings.StepsPerTrainer, trainings.Sum(t => t.Trainer.GradientRetries),
                counts.Sum(c => c.Failed), counts.Sum(c => c.Outside), collections, stressCycles, clock.Elapsed);
        }
        finally
        {
            foreach (var training in trainings) training.Dispose();
        }
    }

    /// <summary>The largest no-GC region the runtime grants (it refuses one above its ephemeral budget); a run that
    /// allocates past it collects anyway, which the result's collection count shows.</summary>
    static bool StartNoGcRegion()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        for (var size = 16L << 30; size >= 16L << 20; size /= 2)
        {
            try
            {
                if (GC.TryStartNoGCRegion(size)) return true;
            }
            catch (ArgumentOutOfRangeException)
            {
                // above what this runtime allows: try half
            }
        }
        return false;
    }
}
