using Akka.Actor;
using NasActors.Actors.Protocol;

namespace NasActors.Actors.Cluster;

/// <summary>What <c>nodes</c> and the dashboard show, for a cluster's coordinator and an embedded node alike: the
/// members the caller knows, with the trainers and evaluators as the training queue and the evaluation supervisor list them.</summary>
internal static class WorkerListing
{
    public static async Task<NodeList> GatherAsync(IReadOnlyList<MemberInfo> members, IActorRef training, IActorRef evaluations, TimeSpan timeout)
    {
        var trainers = training.Ask<TrainerList>(ListWorkers.Instance, timeout);
        var evaluators = evaluations.Ask<EvaluatorList>(ListWorkers.Instance, timeout);
        await Task.WhenAll(trainers, evaluators);
        var listed = await evaluators;
        return new NodeList(members, (await trainers).Trainers, listed.Evaluators, listed.Pending, listed.Replayed);
    }
}
