using System.CommandLine;
using NasActors.Cli.Commands;
using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;

namespace NasActors.Cli.Bench;

/// <summary><c>nas bench memory</c>: resident memory over a long supernet training, to show that dispose scopes
/// keep native memory flat (the reference is the resident size after the first steps, measured in the same run).</summary>
internal static class MemoryBench
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "training steps", DefaultValueFactory = _ => 2000 };
        var reference = new Option<int>("--reference-step") { Description = "step whose resident size is the reference", DefaultValueFactory = _ => 200 };
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
            double referenceMiB = 0;
            for (var step = 0; step < total; step++)
            {
                training.Step(ArchitectureSampling.Uniform(Nb201Space.Instance, rng), step);
                if (step + 1 == referenceStep) referenceMiB = ResidentMiB();
                if ((step + 1) % Math.Max(1, total / 10) == 0) Console.WriteLine($"step {step + 1,6}: resident {ResidentMiB():0.0} MiB");
            }
            var finalMiB = ResidentMiB();
            Console.WriteLine($"resident after {referenceStep} steps: {referenceMiB:0.0} MiB; after {total} steps: {finalMiB:0.0} MiB; " +
                              $"growth {(finalMiB / referenceMiB - 1) * 100:+0.0;-0.0}% (goal: within 5%)");
            return 0;
        });
        return command;
    }

    /// <summary>VmRSS of this process, which counts native (libtorch) memory that the GC does not see.</summary>
    static double ResidentMiB()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) / 1024.0;
    }
}
