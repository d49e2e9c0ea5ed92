using Akka.Actor;
using Akka.Pattern;
using Akka.Persistence;
using NasActors.Actors.Protocol;

namespace NasActors.Actors.Runs;

/// <summary>Accepts admin commands, validates specs, creates one <see cref="SearchRun"/> per search and, on start-up,
/// brings every known run back (each recovers from its journal and continues if it was running). Its own journal
/// holds only which searches exist.</summary>
public sealed class SearchManager : ReceivePersistentActor
{
    public const string PersistenceIdValue = "search-manager";

    readonly IActorRef _training;
    readonly IActorRef _evaluations;
    readonly List<SearchCreated> _searches = [];
    readonly Dictionary<string, IActorRef> _runs = new(StringComparer.Ordinal);

    readonly bool _active;
    readonly string? _tensorBoard;
    IActorRef _creator = ActorRefs.Nobody;  // who asked for the SearchCreated being persisted (one at a time: Persist stashes)

    public SearchManager(IActorRef training, IActorRef evaluations, bool active = true, string? tensorBoard = null)
    {
        _training = training;
        _evaluations = evaluations;
        _active = active;
        _tensorBoard = tensorBoard;

        Recover<SearchCreated>(created => _searches.Add(created));
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var search in _searches) StartRun(search.SearchId);
        });

        Command<CreateSearch>(Create);
        Command<ListSearches>(_ => List());
        Command<ISearchCommand>(command =>
        {
            if (_runs.TryGetValue(command.SearchId, out var run)) run.Forward(command);
            else Sender.Tell(new CommandRejected(command.SearchId, $"unknown search id '{command.SearchId}'; list the searches with: nas search list"));
        });
    }

    public override string PersistenceId => PersistenceIdValue;

    /// <param name="active">False in an admin process: runs journal commands but train and evaluate nothing.</param>
    /// <param name="tensorBoard">The node's TensorBoard folder (nas node --tensorboard): every run writes there,
    /// whatever its spec's training.tensorboard says.</param>
    public static Props Props(IActorRef training, IActorRef evaluations, bool active = true, string? tensorBoard = null)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(evaluations);
        return Akka.Actor.Props.Create(() => new SearchManager(training, evaluations, active, tensorBoard));
    }

    /// <summary>The manager behind a backoff supervisor (as nodes run it): a write its journal fails stops it, and the
    /// supervisor starts it again from its journal instead of leaving the node without one.</summary>
    public static Props Supervised(IActorRef training, IActorRef evaluations, bool active = true, string? tensorBoard = null) =>
        RestartedOnStop(Props(training, evaluations, active, tensorBoard), "manager");

    /// <summary><paramref name="child"/> behind a backoff supervisor that starts it again (1 to 10 s later) whenever it stops.</summary>
    static Props RestartedOnStop(Props child, string childName) =>
        BackoffSupervisor.Props(Backoff.OnStop(child, childName, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), 0.2, maxNrOfRetries: -1));

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        RefuseCreation(@event, $"the journal did not write it ({cause.Message})");
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        RefuseCreation(@event, $"the journal rejected it ({cause.Message})");
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    void RefuseCreation(object @event, string why)
    {
        if (@event is SearchCreated created)
            _creator.Tell(new CommandRejected("", $"search {created.SearchId} was not created: {why}; free space on the journal's disk, or bring its database back, and start it again"));
    }

    void Create(CreateSearch create)
    {
        // Everything the run would refuse is refused here, before anything is journaled: a search journaled and then
        // refused by its run would come back, never started, at every restart.
        SearchSpec spec;
        IReadOnlyList<string> groundTruth;
        try
        {
            spec = SearchSpec.Parse(create.SpecText, "spec");
            groundTruth = SearchRun.GroundTruthOf(spec);
        }
        catch (NasException e)
        {
            Sender.Tell(new CommandRejected("", e.Message));
            return;
        }
        var at = DateTimeOffset.UtcNow;
        var id = $"{spec.Name}-{at:yyyyMMdd-HHmmss}-{_searches.Count + 1}";
        var sender = _creator = Sender;
        Persist(new SearchCreated(id, spec.Name, at), created =>
        {
            _searches.Add(created);
            // Answer once the run has journaled its start: an admin process may exit right after the answer.
            StartRun(id).Ask<object>(new StartSearch(id, create.SpecText, create.Threads, groundTruth), TimeSpan.FromSeconds(30)).PipeTo(sender,
                success: reply => reply is CommandAccepted ? created : reply,
                failure: e => new CommandRejected(id, $"search {id} did not confirm its start: {e.Message}"));
        });
    }

    /// <summary>A run as a child behind a backoff supervisor: a failed persist stops a persistent actor, which a plain
    /// restart strategy never sees; the supervisor starts it again, and it recovers from its journal.</summary>
    IActorRef StartRun(string searchId)
    {
        var run = Context.ActorOf(RestartedOnStop(SearchRun.Props(searchId, _training, _evaluations, _active, _tensorBoard), "run"), Uri.EscapeDataString(searchId));
        _runs[searchId] = run;
        return run;
    }

    void List()
    {
        var sender = Sender;
        var asks = _searches.Select(s => _runs[s.SearchId].Ask<SearchStatus>(new GetSearchStatus(s.SearchId), TimeSpan.FromSeconds(10)));
        Task.WhenAll(asks).PipeTo(sender, success: statuses => new SearchList(statuses),
                                  failure: e => new CommandRejected("", $"could not read every search's status: {e.Message}"));
    }
}
