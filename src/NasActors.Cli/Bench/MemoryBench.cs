using System.CommandLine;
using NasActors.Cli.Commands;
using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;

namespace NasActors.Cli.Bench;

/// <summary><c>nas bench memory</c>: resident memory over a long supernet training, to show that dispose scopes
/// keep native memory flat (the reference is the resident size after the first steps, measured in the same run).</summary>
internal static class MemoryBench
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "training steps", DefaultValueFactory = _ => 2000 };
        var reference = new Option<int>("--reference-step") { Description = "start of the reference window", DefaultValueFactory = _ => 200 };
        var threads = CommonOptions.Threads();
        var command = new Command("memory", "resident memory after N supernet training steps against that after the first 200") { steps, reference, threads };
        command.SetAction(parsed =>
        {
            var total = CommonOptions.Positive("--steps", parsed.GetValue(steps));
            var referenceStep = CommonOptions.Positive("--reference-step", parsed.GetValue(reference));
            if (referenceStep >= total) throw new NasActors.Search.NasException($"--reference-step ({referenceStep}) must be below --steps ({total})");
            CommonOptions.StartTorch(parsed.GetValue(threads), "cpu");
            var shape = new NetworkShape(8, 1, 1, 16, 10);
            using var training = new SyntheticTraining(shape, 128, total, seed: 1);
            var rng = new Rng(7);
            // Resident size wobbles by several percent as glibc's arenas and the GC heap grow and shrink, so compare
            // the median of a window after the reference step with the median of the last window, sampled every 10 steps.
            var window = Math.Max(10, total / 10);
            var early = new List<double>();
            var late = new List<double>();
            for (var step = 1; step <= total; step++)
            {
                training.Step(ArchitectureSampling.Uniform(Nb201Space.Instance, rng), step - 1);
                if (step % 10 != 0) continue;
                var resident = ResidentMiB();
                if (step >= referenceStep && step < referenceStep + window) early.Add(resident);
                if (step > total - window) late.Add(resident);
                if (step % Math.Max(10, total / 10) == 0) Console.WriteLine($"step {step,6}: resident {resident:0.0} MiB");
            }
            double earlyMedian = Median(early), lateMedian = Median(late);
            Console.WriteLine($"resident, median over steps {referenceStep}-{referenceStep + window}: {earlyMedian:0.0} MiB " +
                              $"(range {early.Min():0.0}-{early.Max():0.0}); over the last {window} steps: {lateMedian:0.0} MiB " +
                              $"(range {late.Min():0.0}-{late.Max():0.0}); growth {(lateMedian / earlyMedian - 1) * 100:+0.0;-0.0}% (goal: within 5%)");
            return 0;
        });
        return command;
    }

    internal static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    /// <summary>VmRSS of this process, which counts native (libtorch) memory that the GC does not see.</summary>
    static double ResidentMiB() => StatusMiB("VmRSS:");

    /// <summary>A memory field of /proc/self/status (VmRSS:, VmHWM:, ...) in MiB.</summary>
    internal static double StatusMiB(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }
}
