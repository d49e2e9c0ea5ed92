using Akka.Actor;
using Akka.Persistence;

namespace NasActors.Actors.Persistence;

/// <summary>What the readiness probe persists and deletes at once: a row that lives for one probe.</summary>
public sealed record JournalProbed(DateTimeOffset At);

/// <summary>One readiness check of the journal: it recovers its persistence id, persists a <see cref="JournalProbed"/>,
/// deletes it, answers <see cref="Answered"/> and stops. A journal that cannot recover it leaves the asker to time out
/// (Akka logs the journal's error); one that refuses the write or the deletion is answered with the reason.</summary>
internal sealed class JournalProbe : ReceivePersistentActor
{
    public sealed record Probe
    {
        public static readonly Probe Instance = new();
    }

    public sealed record Answered(bool Ok, string Detail);

    IActorRef _asker = ActorRefs.Nobody;

    public JournalProbe(string persistenceId)
    {
        PersistenceId = persistenceId;
        Recover<JournalProbed>(_ => { });  // a probe whose deletion did not run: nothing to restore
        Command<Probe>(probe =>
        {
            _asker = Sender;
            Persist(new JournalProbed(DateTimeOffset.UtcNow), persisted => DeleteMessages(LastSequenceNr));
        });
        Command<DeleteMessagesSuccess>(_ => Reply(new Answered(true, $"persisted and deleted event {LastSequenceNr} of {PersistenceId}")));
        Command<DeleteMessagesFailure>(failed => Reply(new Answered(false, $"the journal did not delete the probe's event: {failed.Cause.Message}")));
    }

    /// <summary>One probe actor at a time per <paramref name="persistenceId"/>: two would race for its sequence numbers.</summary>
    public static Props Props(string persistenceId)
    {
        if (string.IsNullOrWhiteSpace(persistenceId)) throw new ArgumentException("a journal probe needs a persistence id", nameof(persistenceId));
        return Akka.Actor.Props.Create(() => new JournalProbe(persistenceId));
    }

    public override string PersistenceId { get; }

    void Reply(Answered answer)
    {
        _asker.Tell(answer);
        Context.Stop(Self);
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _asker.Tell(new Answered(false, $"the journal did not persist the probe's event: {cause.Message}"));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _asker.Tell(new Answered(false, $"the journal rejected the probe's event: {cause.Message}"));
        base.OnPersistRejected(cause, @event, sequenceNr);
    }
}
