using Akka.Actor;
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
    public sealed record Reset(IReadOnlyList<string> Strategies, IReadOnlyList<ScoredChild> Scored, IReadOnlyDictionary<string, string>? Estimators = null);

    readonly List<ScoredChild> _scored = [];
    readonly IChoiceSpace _space;
    IReadOnlyList<string> _strategies = [];
    IReadOnlyDictionary<string, string>? _estimators;
    IReadOnlyDictionary<string, double>? _truth;
    string? _truthError;

    public RankingActor(string searchId, string? groundTruth, string space)
    {
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
            _scored.Clear();
            _scored.AddRange(reset.Scored);
            Publish(searchId);
        });
        Receive<ScoredChild>(scored =>
        {
            _scored.Add(scored);
            Publish(searchId);
        });
        Receive<GetRanking>(get =>
        {
            if (_truthError is not null) Sender.Tell(new CommandRejected(searchId, _truthError));
            else if (get.TopK < 1) Sender.Tell(new CommandRejected(searchId, $"--k must be positive, got {get.TopK}"));
            else Sender.Tell(Ranking.Compute(searchId, _strategies, _scored, _truth, get.TopK, _space, _estimators));
        });
    }

    void Publish(string searchId) =>
        Context.System.EventStream.Publish(new RankingUpdated(Ranking.Compute(searchId, _strategies, _scored, _truth, 10, _space, _estimators)));

    public static Props Props(string searchId, string? groundTruth, string space) =>
        Akka.Actor.Props.Create(() => new RankingActor(searchId, groundTruth, space));
}
