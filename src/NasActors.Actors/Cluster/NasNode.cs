using Akka.Actor;
using Akka.Configuration;
using NasActors.Actors.Evaluation;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Actors.Training;

namespace NasActors.Actors.Cluster;

/// <summary>One process's actor system with the search manager, the training queue (one trainer per device) and the
/// evaluation supervisor. On start the manager recovers every known search and continues the unfinished ones.</summary>
public sealed class NasNode : IAsyncDisposable
{
    static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(30);

    NasNode(ActorSystem system, IActorRef manager)
    {
        System = system;
        Manager = manager;
    }

    public ActorSystem System { get; }
    public IActorRef Manager { get; }

    public static NasNode Start(NodeSettings settings, string name = "nas")
    {
        var stateDirectory = Path.GetDirectoryName(Path.GetFullPath(settings.CheckpointDirectory))!;
        Directory.CreateDirectory(stateDirectory);
        Directory.CreateDirectory(settings.CheckpointDirectory);
        var config = ConfigurationFactory.ParseString($$"""
            akka {
              loglevel = {{settings.LogLevel}}
              stdout-loglevel = {{settings.LogLevel}}
              log-dead-letters = off
            }
            """).WithFallback(settings.Journal.ToConfig());
        var system = ActorSystem.Create(name, config);
        var training = system.ActorOf(TrainingQueue.Props(settings.Devices, settings.CheckpointDirectory), "training");
        var evaluations = system.ActorOf(EvaluationSupervisor.Props(() => new SupernetChildEvaluator(), Math.Max(1, settings.Evaluators)), "evaluations");
        var manager = system.ActorOf(SearchManager.Props(training, evaluations), "searches");
        return new NasNode(system, manager);
    }

    /// <summary>Sends an admin command and waits for the reply; a refusal becomes a <see cref="NasException"/>.</summary>
    public async Task<T> AskAsync<T>(object command)
    {
        var reply = await Manager.Ask<object>(command, AskTimeout);
        return reply switch
        {
            T answer => answer,
            CommandRejected rejected => throw new NasException(rejected.Reason),
            _ => throw new InvalidOperationException($"unexpected reply {reply.GetType().Name} to {command.GetType().Name}"),
        };
    }

    public async ValueTask DisposeAsync() => await System.Terminate();
}
