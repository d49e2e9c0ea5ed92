using Akka.Actor;
using Akka.Event;
using NasActors.Actors.Protocol;
using NasActors.Search.GroundTruth;
using NasActors.Search.Spaces;

namespace NasActors.Actors.Runs;

/// <summary>One per run (a child of <see cref="SearchRun"/>): keeps each strategy's scored children, reads the
/// ground-truth table once, answers <see cref="GetRanking"/> and publishes <see cref="RankingUpdated"/> (top 10) on the
/// event stream whenever a score arrives, for consoles and dashboards.</summary>
public sealed class RankingActor : ReceiveActor
{
    /// <summary>Everything scored so far (after a start or a recovery): replaces what the actor held.</summary>
    public sealed record Reset(IReadOnlyList<string> Strategies, IReadOnlyList<ScoredChild> Scored, IReadOnlyDictionary<string, string>? Estimators = null,
                               IReadOnlyList<CombinationSpec>? Combinations = null);

    /// <summary>A ground-truth probe of a checkpoint before the final one (evaluation.probe-checkpoints), scored.</summary>
    public sealed record StepProbeScored(string Strategy, long Step, string Architecture, double Accuracy);

    readonly List<ScoredChild> _scored = [];
    readonly Dictionary<(string Strategy, long Step), Dictionary<string, double>> _stepProbes = [];
    readonly IChoiceSpace _space;
    IReadOnlyList<string> _strategies = [];
    IReadOnlyDictionary<string, string>? _estimators;
    IReadOnlyList<CombinationSpec>? _combinations;
    IReadOnlyDictionary<string, double>? _truth;
    string? _truthError;
    string? _tensorBoard;
    readonly Dictionary<string, Training.TensorBoardLog> _logs = [];

    public RankingActor(string searchId, string? groundTruth, string space, string? tensorBoard = null)
    {
        _tensorBoard = tensorBoard;
        _space = SearchSpaces.Get(space);
        if (groundTruth is not null)
        {
            try
            {
                _truth = GroundTruthTable.Read(groundTruth, SearchSpaces.Get(space)).MeanTestAccuracy();
            }
            catch (NasException e)
            {
                _truthError = e.Message;  // the leaderboards still work; ranking quality says why it is missing
            }
        }
        Receive<Reset>(reset =>
        {
            _strategies = reset.Strategies;
            _estimators = reset.Estimators;
            _combinations = reset.Combinations;
            _scored.Clear();
            _scored.AddRange(reset.Scored);
            Publish(searchId);
        });
        Receive<ScoredChild>(scored =>
        {
            _scored.Add(scored);
            Log(searchId, scored);
            Publish(searchId);
        });
        Receive<StepProbeScored>(probe => LogTauOverTraining(searchId, probe));
        Receive<GetRanking>(get =>
        {
            if (_truthError is not null) Sender.Tell(new CommandRejected(searchId, _truthError));
            else if (get.TopK < 1) Sender.Tell(new CommandRejected(searchId, $"--k must be positive, got {get.TopK}"));
            else Sender.Tell(Ranking.Compute(searchId, _strategies, _scored, _truth, get.TopK, _space, _estimators, _combinations));
        });
    }

    /// <summary>With training.tensorboard: each evaluation's accuracy at its index in the strategy, and every
    /// <see cref="ScatterEvery"/> evaluations Kendall tau against the ground truth and the estimate-vs-truth scatter,
    /// under DIR/&lt;search&gt;/&lt;strategy&gt;/evaluation. A folder that cannot be written stops the logging, not the run.</summary>
    void Log(string searchId, ScoredChild scored)
    {
        if (_tensorBoard is null) return;
        try
        {
            var log = LogOf(searchId, scored.Strategy);
            var mine = _scored.Where(s => s.Strategy == scored.Strategy && s.Probe == scored.Probe).ToList();
            log.Scalar(scored.Probe ? "eval/probe_accuracy" : "eval/accuracy", scored.Accuracy, mine.Count - 1);
            if (scored.Probe || _truth is null || mine.Count % ScatterEvery != 0) return;
            var pairs = mine.Where(s => _truth.ContainsKey(s.Architecture)).Select(s => (s.Accuracy, _truth[s.Architecture])).ToList();
            if (pairs.Count < 2) return;
            log.Scalar("eval/kendall_tau_vs_truth", NasActors.Search.Ranking.RankCorrelation.KendallTau(pairs.Select(p => p.Item1).ToList(), pairs.Select(p => p.Item2).ToList()), mine.Count);
            using var image = Training.TensorBoardLog.Scatter(pairs);
            log.Image("eval/estimate_vs_truth", image, mine.Count);
        }
        catch (Exception e)  // an unwritable folder, a missing image codec: TensorBoard is a view, never a reason to fail the run
        {
            Context.GetLogger().Warning("TensorBoard logging of {0} stops: {1}", searchId, e.Message);
            _tensorBoard = null;
        }
    }

    Training.TensorBoardLog LogOf(string searchId, string strategy)
    {
        if (!_logs.TryGetValue(strategy, out var log))
            _logs[strategy] = log = Training.TensorBoardLog.Open(Path.Combine(_tensorBoard!, searchId, strategy), "", "evaluation", _scored.Count);
        return log;
    }

    /// <summary>With training.tensorboard and probe-checkpoints: once every ground-truth architecture has been scored with a
    /// checkpoint, Kendall tau of those scores against the truth as eval/kendall_tau_over_training at the checkpoint's step
    /// (a checkpoint with a failed probe gets no point).</summary>
    void LogTauOverTraining(string searchId, StepProbeScored probe)
    {
        if (_tensorBoard is null || _truth is null || !_truth.ContainsKey(probe.Architecture)) return;
        if (!_stepProbes.TryGetValue((probe.Strategy, probe.Step), out var scores)) _stepProbes[(probe.Strategy, probe.Step)] = scores = [];
        scores[probe.Architecture] = probe.Accuracy;
        if (scores.Count != _truth.Count || scores.Count < 2) return;
        try
        {
            LogOf(searchId, probe.Strategy).Scalar("eval/kendall_tau_over_training", NasActors.Search.Ranking.RankingStability.Tau(scores, _truth), probe.Step);
        }
        catch (Exception e)  // as in Log: a view, never a reason to fail the run
        {
            Context.GetLogger().Warning("TensorBoard logging of {0} stops: {1}", searchId, e.Message);
            _tensorBoard = null;
        }
        _stepProbes.Remove((probe.Strategy, probe.Step));
    }

    /// <summary>Evaluations between two scatter images (and Kendall tau points) per strategy.</summary>
    public const int ScatterEvery = 10;

    void Publish(string searchId) =>
        Context.System.EventStream.Publish(new RankingUpdated(Ranking.Compute(searchId, _strategies, _scored, _truth, 10, _space, _estimators, _combinations)));

    public static Props Props(string searchId, string? groundTruth, string space, string? tensorBoard = null) =>
        Akka.Actor.Props.Create(() => new RankingActor(searchId, groundTruth, space, tensorBoard));
}
