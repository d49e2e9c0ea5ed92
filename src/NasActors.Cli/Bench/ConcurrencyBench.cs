using System.CommandLine;
using NasActors.Actors.Runs;
using NasActors.Actors.Training;
using NasActors.Cli.Commands;
using NasActors.Search;
using NasActors.Search.Sampling;

namespace NasActors.Cli.Bench;

/// <summary><c>nas bench concurrency</c>: the wall time of one run whose strategies train at once on one trainer each,
/// against each strategy run alone on one trainer, in the same process. Perfect overlap gives a ratio of 1 against the
/// slowest alone; on a machine with fewer cores than trainers, the ratio is bounded below by trainers x threads / cores.</summary>
internal static class ConcurrencyBench
{
    public static Command Create()
    {
        var strategies = new Option<string>("--strategies") { Description = "comma-separated strategies (one trainer each when together)", DefaultValueFactory = _ => "uniform,magic-t,pada" };
        var steps = new Option<int>("--steps") { Description = "supernet training steps per strategy", DefaultValueFactory = _ => 300 };
        var threads = new Option<int>("--threads") { Description = "intra-op threads per trainer", DefaultValueFactory = _ => 1 };
        var dataDir = new Option<string?>("--data-dir") { Description = "Fashion-MNIST folder (default: the Debian package's)" };
        var command = new Command("concurrency", "a run of several strategies on one trainer each against each strategy alone")
        {
            strategies, steps, threads, dataDir,
        };
        command.SetAction(async (parsed, _) =>
        {
            var names = parsed.GetValue(strategies)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var unknown = names.Where(n => !Samplers.IsKnown(n)).ToArray();
            if (names.Length < 2 || unknown.Length > 0 || names.Distinct().Count() != names.Length)
                throw new NasException($"--strategies needs at least two distinct known strategies{(unknown.Length > 0 ? $" ({string.Join(", ", unknown)} unknown)" : "")}; known: {string.Join(", ", Samplers.Names)}");
            var stepCount = CommonOptions.Positive("--steps", parsed.GetValue(steps));
            var threadCount = CommonOptions.Positive("--threads", parsed.GetValue(threads));
            var directory = parsed.GetValue(dataDir);
            string Spec(IEnumerable<string> included) => $$"""
                search {
                  name = concurrency
                  data { dataset = fashion-mnist, image-size = 16, evaluation-images = 500{{(directory is null ? "" : $", data-dir = \"{directory}\"")}} }
                  supernet { channels = 8, cells = 1 }
                  training { steps = {{stepCount}}, checkpoint-every = {{Math.Max(1, stepCount / 3)}}, threads = {{threadCount}} }
                  strategies { {{string.Join(" ", included.Select(s => $"{s} {{ sampler = {s}, seed = 1 }}"))}} }
                  evolution { population = 2, sample-size = 1, budget = 2, crossover = 0 }
                }
                """;
            TrainingData.For(SearchSpec.Parse(Spec(names), "concurrency spec").Data);  // checked, and the data loaded once outside every timing
            Console.WriteLine($"{names.Length} strategies x {stepCount} steps (C=8 N=1 16px, batch 128, {threadCount} thread(s) per trainer) " +
                              $"on {Environment.ProcessorCount} cores");
            // The process's first search pays for JIT and the journal's set-up: a short untimed one takes that.
            await WallTime(Spec([names[0]]).Replace($"steps = {stepCount},", "steps = 20,"), 1, threadCount);
            var alone = new List<double>();
            foreach (var name in names)
            {
                alone.Add(await WallTime(Spec([name]), 1, threadCount));
                Console.WriteLine($"{name} alone on 1 trainer: {alone[^1]:0.0} s");
            }
            var together = await WallTime(Spec(names), names.Length, threadCount);
            Console.WriteLine($"all {names.Length} at once on {names.Length} trainers: {together:0.0} s");
            var bound = Math.Max(1.0, (double)names.Length * threadCount / Environment.ProcessorCount);
            Console.WriteLine($"together / slowest alone: {together / alone.Max():0.00}x (goal under 1.3x where cores allow; the cores here bound it below by about {bound:0.00}x); " +
                              $"together / sum alone: {together / alone.Sum():0.00}x");
            return 0;
        });
        return command;
    }

    static async Task<double> WallTime(string spec, int trainers, int threads) => (await EmbeddedRun.ToCompletion(spec, trainers, threads)).Seconds;
}
