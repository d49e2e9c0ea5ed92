using System.CommandLine;
using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;

namespace NasActors.Cli.Commands;

/// <summary><c>nas space sample|info</c>: look at a search space.</summary>
internal static class SpaceCommands
{
    public static Command Create()
    {
        var command = new Command("space", "inspect a search space");
        command.Add(Sample());
        command.Add(Info());
        return command;
    }

    static Command Sample()
    {
        var space = CommonOptions.Space();
        var count = new Option<int>("--count") { Description = "how many architectures", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "random seed", DefaultValueFactory = _ => 0 };
        var command = new Command("sample", "print architectures drawn uniformly from the space") { space, count, seed };
        command.SetAction(parsed =>
        {
            var chosen = SearchSpaces.Get(parsed.GetValue(space)!);
            var n = CommonOptions.Positive("--count", parsed.GetValue(count));
            var rng = new Rng((ulong)parsed.GetValue(seed));
            for (var i = 0; i < n; i++) Console.WriteLine(ArchitectureSampling.Uniform(chosen, rng));
            return 0;
        });
        return command;
    }

    static Command Info()
    {
        var space = CommonOptions.Space();
        var command = new Command("info", "print the size of the space and its decisions") { space };
        command.SetAction(parsed =>
        {
            var chosen = SearchSpaces.Get(parsed.GetValue(space)!);
            Console.WriteLine($"space: {chosen.Name}");
            Console.WriteLine($"architectures: {chosen.Size:N0}");
            if (chosen is Nb201Space)
            {
                var distinct = CanonicalForms.Of(chosen).Distinct;
                Console.WriteLine($"distinct functions (canonical forms): {distinct.Count:N0}, of which {distinct.Count(Nb201Space.IsDegenerate):N0} never reach the output");
            }
            Console.WriteLine($"decisions: {chosen.Decisions.Count}");
            foreach (var decision in chosen.Decisions)
                Console.WriteLine($"  {decision.Name}: {string.Join(", ", decision.Options)}");
            return 0;
        });
        return command;
    }
}
