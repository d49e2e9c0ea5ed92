using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Event;
using NasActors.Actors.Evaluation;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Actors.Training;

namespace NasActors.Actors.Cluster;

/// <summary>The cluster singleton on the coordinator role: the search manager, the training queue and the evaluation
/// supervisor of the whole cluster. Trainers and evaluators register here; admin commands arrive with the token and
/// are refused without it.</summary>
public sealed class Coordinator : ReceiveActor
{
    readonly byte[] _token;
    readonly ILoggingAdapter _log = Context.GetLogger();
    readonly IActorRef _training;
    readonly IActorRef _evaluations;
    readonly IActorRef _manager;

    public Coordinator(string adminToken, string? tensorBoard = null)
    {
        _token = Encoding.UTF8.GetBytes(adminToken);
        _training = Context.ActorOf(TrainingQueue.ForCluster(), "training");
        _evaluations = Context.ActorOf(EvaluationSupervisor.ForCluster(), "evaluations");
        _manager = Context.ActorOf(SearchManager.Supervised(_training, _evaluations, tensorBoard: tensorBoard), "searches");

        Receive<RegisterTrainer>(register => _training.Forward(register));
        Receive<TrainerActor.TrainerIdle>(idle => _training.Forward(idle));
        Receive<TrainStrategy>(stray => _training.Forward(stray));
        Receive<RegisterEvaluator>(register => _evaluations.Forward(register));
        Receive<AdminRequest>(Admin);
    }

    public static Props Props(string adminToken, string? tensorBoard = null)
    {
        if (string.IsNullOrEmpty(adminToken)) throw new ArgumentException("the coordinator needs an admin token", nameof(adminToken));
        return Akka.Actor.Props.Create(() => new Coordinator(adminToken, tensorBoard));
    }

    void Admin(AdminRequest request)
    {
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(request.Token ?? ""), _token))
        {
            _log.Warning("refused {0} from {1}: {2} admin token", request.Command?.GetType().Name ?? "a command", Sender.Path.Address,
                         string.IsNullOrEmpty(request.Token) ? "no" : "wrong");
            Sender.Tell(new CommandRejected("", string.IsNullOrEmpty(request.Token)
                ? "the cluster refused the command: it carries no admin token; pass --token, or set NAS_ADMIN_TOKEN (the nodes' nas.admin.token)"
                : "the cluster refused the command: wrong admin token; use the nodes' nas.admin.token (--token or NAS_ADMIN_TOKEN)"));
            return;
        }
        switch (request.Command)
        {
            case Protocol.ListNodes:
                ListMembers();
                break;
            case CreateSearch or ListSearches or ISearchCommand:
                _manager.Tell(request.Command, Sender);
                break;
            default:
                Sender.Tell(new CommandRejected("", $"the coordinator does not know the command {request.Command?.GetType().Name ?? "null"}"));
                break;
        }
    }

    void ListMembers()
    {
        var members = Akka.Cluster.Cluster.Get(Context.System).State.Members
            .Select(m => new MemberInfo(m.Address.ToString(), m.Roles.Order().ToArray(), m.Status.ToString())).ToArray();
        WorkerListing.GatherAsync(members, _training, _evaluations, TimeSpan.FromSeconds(5)).PipeTo(Sender,
            failure: e => new CommandRejected("", $"could not list the trainers and evaluators: {e.Message}"));
    }
}
