using System.Globalization;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;

namespace NasActors.Cli.Bench;

/// <summary>What a chaos run is judged by: its differences from the uninterrupted run (each named for people), the
/// evaluations it lost (requested and answered in the uninterrupted run, missing or unanswered here) and those it
/// duplicated (extra ids, or journaled twice), out of <paramref name="Evaluations"/> in the uninterrupted run.</summary>
internal sealed record ChaosVerdict(IReadOnlyList<string> Differences, int Lost, int Duplicated, int Evaluations)
{
    public bool Identical => Differences.Count == 0;
}

/// <summary>Compares a run killed and restarted with the same spec run uninterrupted: each strategy's final weights
/// (hash) and path digest, its committed checkpoints (steps and mean losses), every evaluation by id (architecture,
/// probe, result), and every strategy's whole leaderboard and ranking quality. Search ids and checkpoint paths differ
/// between the runs by design and are not compared.</summary>
internal static class ChaosComparison
{
    public static ChaosVerdict Compare(SearchExport reference, SearchExport chaos, ChaosJournal? chaosJournal = null)
    {
        var differences = new List<string>();
        void Differ(string what, object? expected, object? actual) => ChaosComparison.Differ(differences, what, expected, actual);

        Differ("phase", reference.Status.Phase, chaos.Status.Phase);
        var chaosStrategies = chaos.Status.Strategies.ToDictionary(s => s.Strategy);
        foreach (var expected in reference.Status.Strategies)
        {
            if (!chaosStrategies.TryGetValue(expected.Strategy, out var actual))
            {
                differences.Add($"strategy {expected.Strategy} is missing");
                continue;
            }
            var name = $"strategy {expected.Strategy}";
            Differ($"{name} failure", expected.FailureReason, actual.FailureReason);
            Differ($"{name} trained", expected.Trained, actual.Trained);
            Differ($"{name} final step", expected.CheckpointStep, actual.CheckpointStep);
            Differ($"{name} final weights (SHA-256)", expected.WeightsSha256, actual.WeightsSha256);
            Differ($"{name} path digest", expected.PathsDigest, actual.PathsDigest);
            Differ($"{name} corrupt checkpoints skipped", expected.CheckpointsRejected, actual.CheckpointsRejected);
            Differ($"{name} checkpoints (step: mean loss)", Checkpoints(reference, expected.Strategy), Checkpoints(chaos, expected.Strategy));
        }

        var (lost, duplicated) = CompareEvaluations(reference, chaos, differences);
        if (chaosJournal is not null)
        {
            foreach (var id in chaosJournal.RequestedTwice())
            {
                differences.Add($"evaluation {id} was requested twice in the journal");
                duplicated++;
            }
            foreach (var (id, answers) in chaosJournal.AnsweredTwice())
            {
                differences.Add($"evaluation {id} was answered {answers} times in the journal");
                duplicated += answers - 1;
            }
        }
        CompareRankings(reference.Ranking, chaos.Ranking, differences);
        return new ChaosVerdict(differences, lost, duplicated, reference.Evaluations.Count);
    }

    static (int Lost, int Duplicated) CompareEvaluations(SearchExport reference, SearchExport chaos, List<string> differences)
    {
        var actual = chaos.Evaluations.ToDictionary(e => e.EvaluationId, StringComparer.Ordinal);
        int lost = 0;
        foreach (var expected in reference.Evaluations)
        {
            if (!actual.Remove(expected.EvaluationId, out var found) || (found.Accuracy is null && found.FailureReason is null))
            {
                differences.Add($"evaluation {expected.EvaluationId} ({expected.Architecture}) is {(found is null ? "missing" : "unanswered")}");
                lost++;
                continue;
            }
            if (expected.FailureReason is null && found.FailureReason is not null) lost++;
            var name = $"evaluation {expected.EvaluationId}";
            if (found.Strategy != expected.Strategy || found.Architecture != expected.Architecture || found.GroundTruthProbe != expected.GroundTruthProbe || found.ProbeStep != expected.ProbeStep)
                differences.Add($"{name} is {Describe(found)} where the uninterrupted run has {Describe(expected)}");
            Differ(differences, $"{name} accuracy", expected.Accuracy, found.Accuracy);
            Differ(differences, $"{name} failure", expected.FailureReason, found.FailureReason);
        }
        foreach (var extra in actual.Values.OrderBy(e => e.EvaluationId, StringComparer.Ordinal))
            differences.Add($"evaluation {extra.EvaluationId} ({extra.Architecture}) is not in the uninterrupted run");
        return (lost, actual.Count);
    }

    static void CompareRankings(SearchRanking reference, SearchRanking chaos, List<string> differences)
    {
        var actual = chaos.Strategies.ToDictionary(s => s.Strategy);
        foreach (var expected in reference.Strategies)
        {
            if (!actual.TryGetValue(expected.Strategy, out var found))
            {
                differences.Add($"the leaderboard of {expected.Strategy} is missing");
                continue;
            }
            var name = $"leaderboard of {expected.Strategy}";
            Differ(differences, $"{name} (accuracy, truth, aliases, architecture)", Rows(expected), Rows(found));
            Differ(differences, $"{name} ranking quality (probed, Kendall tau, Spearman rho, top overlap, percentiles)", Quality(expected), Quality(found));
        }
        if (chaos.Strategies.Count != reference.Strategies.Count)
            differences.Add($"{chaos.Strategies.Count} leaderboards where the uninterrupted run has {reference.Strategies.Count}");
    }

    static string Rows(StrategyRanking ranking) =>
        string.Join("; ", ranking.Leaderboard.Select(c => $"{R(c.Accuracy)} {R(c.TrueAccuracy)} {c.Aliases} {c.Architecture}"));

    static string Quality(StrategyRanking ranking) =>
        $"{ranking.Probed} {R(ranking.KendallTau)} {R(ranking.SpearmanRho)} {R(ranking.TopOverlap)} {R(ranking.Top1Percentile)} {R(ranking.Top5Percentile)}";

    static string Checkpoints(SearchExport export, string strategy) =>
        string.Join(", ", (export.Checkpoints ?? []).Where(c => c.Strategy == strategy).Select(c => $"{c.Step}: {R(c.MeanLoss)}"));

    static string Describe(ExportedEvaluation e) =>
        $"{e.Strategy} {e.Architecture}{(e.GroundTruthProbe ? " (ground-truth probe" + (e.ProbeStep is { } step ? $" at step {step})" : ")") : "")}";

    /// <summary>Doubles as the journal keeps them (round-trip), so that equal means bit for bit.</summary>
    static string R(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "-";

    static void Differ(List<string> differences, string what, object? expected, object? actual)
    {
        if (!Equals(expected, actual)) differences.Add($"{what}: {Show(actual)} where the uninterrupted run has {Show(expected)}");
    }

    static string Show(object? value) => value switch
    {
        null => "none",
        double d => R(d),
        RunPhase phase => phase.ToString().ToLowerInvariant(),
        _ => value.ToString()!,
    };
}
