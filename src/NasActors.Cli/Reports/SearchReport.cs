using System.Globalization;
using System.Net;
using System.Text;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Actors.Training;
using NasActors.Cli.Plots;
using NasActors.Search.GroundTruth;
using NasActors.Search.Ranking;
using NasActors.Search.Spaces;
using NasActors.Torch.Checkpoints;
using NasActors.Torch.Training;

namespace NasActors.Cli.Reports;

/// <summary>One self-contained HTML page about a search (no scripts, no fetched assets; figures are inline SVG), to
/// attach to a paper or an issue: status per strategy, training curves, evolution progress, leaderboards, and ranking
/// quality against the ground truth with the estimated-vs-true scatter when the run has one, every leaderboard row's and
/// each strategy's best cell drawn (<see cref="CellPicture"/>), and, given
/// <paramref name="operations"/> (see <see cref="OperationTrainingOf"/>), how much each operation of each supernet was trained.</summary>
public static class SearchReport
{
    public static string Html(SearchExport export, IReadOnlyDictionary<string, double>? truth,
                              IReadOnlyDictionary<string, OperationTraining>? operations = null)
    {
        var status = export.Status;
        var space = SearchSpaces.Get(SearchSpec.Parse(export.Spec, $"spec of {status.SearchId}").Space);
        var html = new StringBuilder();
        html.Append($"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8"/>
            <title>NasActors search {Text(status.SearchId)}</title>
            <style>
            body {"{"} font-family: sans-serif; margin: 2em auto; max-width: 1000px; color: #222; {"}"}
            table {"{"} border-collapse: collapse; margin: 0.5em 0 1.5em; {"}"}
            th, td {"{"} border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; font-size: 0.9em; {"}"}
            th {"{"} background: #f3f3f3; {"}"}
            td.num {"{"} text-align: right; font-variant-numeric: tabular-nums; {"}"}
            td.least {"{"} background: #fde2e2; font-weight: bold; {"}"}
            td.cell {"{"} padding: 0.1em 0.3em; {"}"}
            svg.cell {"{"} display: block; {"}"}
            caption {"{"} text-align: left; font-weight: bold; padding-bottom: 0.2em; {"}"}
            pre {"{"} background: #f7f7f7; padding: 1em; overflow-x: auto; font-size: 0.85em; {"}"}
            code {"{"} font-size: 0.85em; {"}"}
            </style>
            </head>
            <body>
            <h1>Search {Text(status.SearchId)} <small>({Text(status.Name)}, {Text(status.Phase.ToString().ToLowerInvariant())})</small></h1>

            """);

        html.Append("<h2>Strategies</h2>\n<table>\n<tr><th>strategy</th><th>sampler</th><th>training</th><th>seconds</th><th>waited for paths</th>" +
                    "<th>evaluations</th><th>failed</th><th>best child (inherited weights, or an estimator's score)</th></tr>\n");
        foreach (var s in status.Strategies)
        {
            var training = s.FailureReason is not null ? $"failed: {s.FailureReason}" : s.IsEstimator ? "estimator, no supernet"
                : s.Trained ? $"trained, {s.Steps} steps" : $"step {s.CheckpointStep}/{s.Steps}";
            var waited = s.TrainingSeconds > 0 ? Invariant($"{100 * s.PathWaitSeconds / s.TrainingSeconds:0.00}%") : "";
            var best = s.BestAccuracy is not { } accuracy || s.BestArchitecture is not { } architecture ? ""
                : s.IsEstimator ? $"<code>{Text(architecture)}</code> {accuracy.ToString("G4", CultureInfo.InvariantCulture)}{CellPicture.Of(space, architecture)}"
                : accuracy >= 0 ? $"<code>{Text(architecture)}</code> {Percent(accuracy)}{CellPicture.Of(space, architecture)}" : "";
            html.Append(Invariant($"<tr><td>{Text(s.Strategy)}</td><td>{Text(s.Sampler)}</td><td>{Text(training)}</td><td class=\"num\">{s.TrainingSeconds:0}</td>"));
            html.Append(Invariant($"<td class=\"num\">{waited}</td><td class=\"num\">{s.EvaluationsCompleted}/{s.Budget}</td><td class=\"num\">{s.EvaluationsFailed}</td><td>{best}</td></tr>\n"));
        }
        html.Append("</table>\n");

        if (TrainingCurves(export) is { } curves) html.Append("<h2>Supernet training</h2>\n").Append(curves);
        if (operations is { Count: > 0 }) html.Append(OperationSection(export, operations));
        if (EvolutionCurve(export) is { } evolution) html.Append("<h2>Evolution</h2>\n").Append(evolution);

        html.Append("<h2>Leaderboards</h2>\n");
        foreach (var ranking in export.Ranking.Strategies)
        {
            // An estimator's scores, a combination's mean-rank shares, are not accuracies.
            var scored = ranking switch
            {
                { Combines: { } members } => $"mean-rank share under {Text(string.Join(", ", members))}",
                { Estimator: { } estimator } => $"{Text(estimator)} score (no supernet)",
                _ => "inherited-weight accuracy",
            };
            html.Append($"<h3>{Text(ranking.Strategy)}</h3>\n<table>\n<tr><th>#</th><th>function (canonical form)</th><th>cell</th><th>strings</th><th>{scored}</th><th>stand-alone accuracy</th></tr>\n");
            foreach (var (child, rank) in ranking.Leaderboard.Take(10).Select((c, i) => (c, i + 1)))
                html.Append($"<tr><td class=\"num\">{rank}</td><td><code>{Text(child.Architecture)}</code></td><td class=\"cell\">{CellPicture.Of(space, child.Architecture)}</td><td class=\"num\">{child.Aliases}</td>" +
                            $"<td class=\"num\">{(ranking.IsScore ? child.Accuracy.ToString("G4", CultureInfo.InvariantCulture) : Percent(child.Accuracy))}</td>" +
                            $"<td class=\"num\">{(child.TrueAccuracy is { } t ? Percent(t) : "")}</td></tr>\n");
            html.Append("</table>\n");
        }

        var probed = export.Ranking.Strategies.Where(r => r.KendallTau is not null).ToArray();
        if (probed.Length > 0 && truth is not null)
        {
            html.Append("<h2>Ranking quality against the ground truth</h2>\n<table>\n<tr><th>strategy</th><th>architectures</th><th>Kendall tau</th><th>Spearman rho</th><th>top-10 overlap</th></tr>\n");
            foreach (var r in probed)
            {
                html.Append(Invariant($"<tr><td>{Text(r.Strategy)}</td><td class=\"num\">{r.Probed}</td><td class=\"num\">{r.KendallTau:0.000}</td>"));
                html.Append(Invariant($"<td class=\"num\">{r.SpearmanRho:0.000}</td><td class=\"num\">{(r.TopOverlap is { } o ? o.ToString("0.00", CultureInfo.InvariantCulture) : "")}</td></tr>\n"));
            }
            html.Append("</table>\n");
            if (Commands.SearchCommands.Floor(export.Ranking) is { } floor) html.Append($"<p>{Text(floor)}</p>\n");
            html.Append(EstimateScatter(export, truth));
            html.Append(TauOverTraining(export, truth));
        }

        var failures = export.Evaluations.Where(e => e.FailureReason is not null).ToArray();
        if (failures.Length > 0)
        {
            html.Append("<h2>Evaluations that failed</h2>\n<table>\n<tr><th>evaluation</th><th>architecture</th><th>reason</th></tr>\n");
            foreach (var f in failures)
                html.Append($"<tr><td>{Text(f.EvaluationId)}</td><td><code>{Text(f.Architecture)}</code></td><td>{Text(f.FailureReason!)}</td></tr>\n");
            html.Append("</table>\n");
        }

        html.Append($"<h2>Search spec</h2>\n<pre>{Text(export.Spec)}</pre>\n");
        html.Append($"<p><small>Written by nas search report on {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC.</small></p>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>Stand-alone test accuracy per architecture from the ground-truth table the spec names; null when it names
    /// none or the file is not there.</summary>
    public static IReadOnlyDictionary<string, double>? GroundTruthOf(string specText, string what)
    {
        var spec = SearchSpec.Parse(specText, what);
        return spec.GroundTruth is { } table && File.Exists(GroundTruthLocation.Resolve(table))
            ? GroundTruthTable.Read(table, SearchSpaces.Get(spec.Space)).MeanTestAccuracy()
            : null;
    }

    /// <summary>Loss and throughput per strategy over its checkpoints; null before the first checkpoint.</summary>
    public static string? TrainingCurves(SearchExport export)
    {
        var checkpoints = export.Checkpoints ?? [];
        if (checkpoints.Count == 0) return null;
        return SvgPlot.Figure("Training curves (mean over each checkpoint interval)",
        [
            new Panel("loss", "step", "mean loss", Series(checkpoints, c => c.MeanLoss)),
            new Panel("throughput", "step", "images/s", Series(checkpoints, c => c.ImagesPerSecond)),
        ], columns: 2);
    }

    /// <summary>The best inherited-weight accuracy found so far per strategy, over its evolution's proposals.</summary>
    public static string? EvolutionCurve(SearchExport export)
    {
        var searched = export.Evaluations.Where(e => !e.GroundTruthProbe && !e.ForCombination).ToArray();
        if (searched.Length == 0) return null;
        return SvgPlot.Figure("Best inherited-weight accuracy found so far",
        [
            new Panel("", "evaluations", "validation accuracy", export.Status.Strategies.Select(s =>
            {
                var best = double.NegativeInfinity;
                var points = searched.Where(e => e.Strategy == s.Strategy && e.Accuracy is not null)
                    .OrderBy(e => ProposalNumber(e.EvaluationId))
                    .Select((e, i) => (X: (double)(i + 1), Y: best = Math.Max(best, e.Accuracy!.Value))).ToArray();
                return new Series(s.Strategy, points, Line: true);
            }).ToArray()),
        ], columns: 1);
    }

    /// <summary>Per strategy with ranking quality, each ground-truth architecture's estimate against its true accuracy;
    /// null when no strategy has one yet.</summary>
    public static string? EstimateScatter(SearchExport export, IReadOnlyDictionary<string, double> truth)
    {
        // A combined estimator's estimates are ranks, computed, not evaluated: its members' panels show them.
        var probed = export.Ranking.Strategies.Where(r => r.KendallTau is not null && r.Combines is null).ToArray();
        if (probed.Length == 0) return null;
        return SvgPlot.Figure("Inherited-weight estimate against stand-alone test accuracy", probed.Select(r =>
            new Panel(Invariant($"{r.Strategy}: tau {r.KendallTau:0.000}"), "true test accuracy", "estimated accuracy",
            [
                new Series(r.Strategy, export.Evaluations
                    .Where(e => e.Strategy == r.Strategy && e.GroundTruthProbe && e.ProbeStep is null && e.Accuracy is not null && truth.ContainsKey(e.Architecture))
                    .Select(e => (truth[e.Architecture], e.Accuracy!.Value)).ToArray()),
            ])).ToArray());
    }

    /// <summary>Per strategy, at each checkpoint whose ground-truth probes are all answered (evaluation.probe-checkpoints),
    /// the final weights included: Kendall tau of the estimates against the true accuracy, against the previous
    /// checkpoint's estimates, and the share of the top 10 kept since it (how much the ranking still moves: Zhang et al.
    /// 2020's stability); null with fewer than two such points.</summary>
    public static string? TauOverTraining(SearchExport export, IReadOnlyDictionary<string, double> truth)
    {
        var stability = export.Status.Strategies.Select(s =>
        {
            var checkpoints = CheckpointEstimatesOf(export, s.Strategy)
                .Select(c => c with { Estimates = c.Estimates.Where(e => truth.ContainsKey(e.Key)).ToDictionary() })
                .Where(c => c.Estimates.Count >= 3).ToArray();
            return (s.Strategy, Points: RankingStability.Of([checkpoints], truth, NasActors.Actors.Runs.Ranking.OverlapK));
        }).Where(s => s.Points.Count > 0).ToArray();
        if (stability.Sum(s => s.Points.Count) < 2) return null;
        return SvgPlot.Figure("Ranking quality over training",
        [
            StabilityPanel("estimates vs stand-alone accuracy", "Kendall tau", stability, p => p.TauVsTruth),
            StabilityPanel("estimates vs the previous checkpoint's", "Kendall tau", stability, p => p.TauVsPrevious),
            StabilityPanel("top 10 kept since the previous checkpoint", "share", stability, p => p.TopOverlapVsPrevious),
        ]);
    }

    /// <summary>One measure of <see cref="StabilityPoint"/>s against the training step, a line a strategy (undefined points left out).</summary>
    public static Panel StabilityPanel(string title, string yLabel, IEnumerable<(string Strategy, IReadOnlyList<StabilityPoint> Points)> strategies,
                                       Func<StabilityPoint, double> value) =>
        new(title, "training step", yLabel, strategies.Select(s => new Series(s.Strategy,
            s.Points.Where(p => double.IsFinite(value(p))).Select(p => ((double)p.Step, value(p))).ToArray(), Line: true)).ToArray());

    /// <summary>A strategy's estimates of the ground-truth architectures at each checkpoint whose probes are all answered
    /// (evaluation.probe-checkpoints), the final weights (at the strategy's steps, once trained) included.</summary>
    public static IReadOnlyList<CheckpointEstimates> CheckpointEstimatesOf(SearchExport export, string strategy)
    {
        var status = export.Status.Strategies.Single(s => s.Strategy == strategy);
        return export.Evaluations.Where(e => e.Strategy == strategy && e.GroundTruthProbe && (e.ProbeStep is not null || status.Trained))
            .GroupBy(e => e.ProbeStep ?? status.Steps)
            .Where(step => step.Count() == status.Probes && step.All(e => e.FailureReason is not null || e.Accuracy is not null))
            .Select(step => new CheckpointEstimates(step.Key, step.Where(e => e.Accuracy is not null)
                .GroupBy(e => e.Architecture).ToDictionary(g => g.Key, g => g.First().Accuracy!.Value)))
            .OrderBy(c => c.Step).ToArray();
    }

    static Series[] Series(IReadOnlyList<ExportedCheckpoint> checkpoints, Func<ExportedCheckpoint, double> value) =>
        checkpoints.GroupBy(c => c.Strategy).Select(g => new Series(g.Key, g.OrderBy(c => c.Step).Select(c => ((double)c.Step, value(c))).ToArray(), Line: true)).ToArray();

    /// <summary>Per strategy that trains a supernet, how much each operation was trained up to its latest committed
    /// checkpoint under <paramref name="checkpointDirectory"/> (<see cref="CheckpointLayout.OperationTrainingOf"/>);
    /// strategies without one readable there are left out, with a warning on stderr for a corrupt file.</summary>
    public static IReadOnlyDictionary<string, OperationTraining> OperationTrainingOf(SearchExport export, string checkpointDirectory)
    {
        var spec = SearchSpec.Parse(export.Spec, $"spec of {export.Status.SearchId}");
        var found = new Dictionary<string, OperationTraining>();
        foreach (var status in export.Status.Strategies)
        {
            if (spec.Strategies.FirstOrDefault(s => s.Id == status.Strategy) is not { } strategy) continue;
            try
            {
                if (CheckpointLayout.OperationTrainingOf(checkpointDirectory, export.Status.SearchId, spec, strategy, status.CheckpointStep) is { } training)
                    found[status.Strategy] = training;
            }
            catch (CorruptCheckpointException e)
            {
                Console.Error.WriteLine($"warning: {e.Message}");
            }
        }
        return found;
    }

    /// <summary>Per strategy a table of "updates / movement" (rows: decisions, columns: operations) and the weighted
    /// operation trained least, highlighted: an operation left undertrained skews every child model that uses it.</summary>
    static string OperationSection(SearchExport export, IReadOnlyDictionary<string, OperationTraining> operations)
    {
        var html = new StringBuilder("<h2>Operation training</h2>\n<p>Per strategy, at its latest checkpoint: the optimizer updates " +
            "that trained each operation on a live edge / how far its weights moved from their initial values, ‖W − W0‖ / ‖W0‖ over " +
            "every cell (— for an operation without weights). A split few-shot supernet is measured over all its sub-supernets.</p>\n");
        foreach (var strategy in export.Status.Strategies.Select(s => s.Strategy).Where(operations.ContainsKey))
        {
            var training = operations[strategy];
            var least = training.LeastTrained;
            html.Append(Invariant($"<table>\n<caption>{Text(strategy)} (step {training.Step})</caption>\n<tr><th>edge</th>"));
            foreach (var operation in training.Operations) html.Append($"<th>{Text(operation)}</th>");
            html.Append("</tr>\n");
            foreach (var row in training.Rows)
            {
                html.Append($"<tr><td>{Text(row[0].Decision)}</td>");
                foreach (var cell in row)
                    html.Append($"<td class=\"{(cell == least ? "num least" : "num")}\">{Text(Updates(cell))} / {Text(Movement(cell))}</td>");
                html.Append("</tr>\n");
            }
            html.Append("</table>\n");
            html.Append(least is null
                ? $"<p>{Text(strategy)}: no operation with weights.</p>\n"
                : $"<p>Least-updated weighted operation of {Text(strategy)}: <code>{Text(least.Operation)}</code> on edge {Text(least.Decision)}, " +
                  $"{Text(least.Updates is { } u ? Invariant($"{u} updates") : "updates not counted in this checkpoint")}, moved {Text(Movement(least))}.</p>\n");
        }
        return html.ToString();
    }

    static string Updates(OperationCell cell) => cell.Updates?.ToString(CultureInfo.InvariantCulture) ?? "?";

    static string Movement(OperationCell cell) => cell.Movement?.ToString("G3", CultureInfo.InvariantCulture) ?? "—";

    /// <summary>Evaluation ids are <c>strategy/N</c>, N counting the evolution's proposals.</summary>
    static int ProposalNumber(string evaluationId) =>
        int.TryParse(evaluationId[(evaluationId.LastIndexOf('/') + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : int.MaxValue;

    static string Percent(double value) => (value * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    static string Text(string value) => WebUtility.HtmlEncode(value);

    static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
