using Akka.Actor;

namespace NasActors.Actors.Protocol;

/// <summary>A trainer offers its device to the training queue; sent on start and again every few seconds, so that a
/// queue that restarted (or moved with the coordinator singleton) learns every trainer. <paramref name="Current"/> is
/// the job the trainer is running, if any.</summary>
public sealed record RegisterTrainer(IActorRef Trainer, string Device, string Node, TrainingJobId? Current);

/// <summary>One strategy of one search: the unit of training work.</summary>
public sealed record TrainingJobId(string SearchId, string Strategy);

/// <summary>Cancel one training job (the run asked for it again from its journal, or nobody placed it); the last
/// committed checkpoint stands.</summary>
public sealed record CancelTraining(TrainingJobId Job);

/// <summary>The trainer that held a run's job was lost (its node left the cluster); the run hands the job out again
/// from its newest committed checkpoint.</summary>
public sealed record TrainerLost(string SearchId, string Strategy, string Reason);

/// <summary>An evaluator on an evaluator node offers itself to the evaluation supervisor (on start and every few seconds).</summary>
public sealed record RegisterEvaluator(IActorRef Evaluator, string Node, string Device = "cpu");

/// <summary>An admin command from outside the coordinator (the console, a one-shot command) with the admin token.</summary>
public sealed record AdminRequest(string Token, object Command);

/// <summary>Asks for the cluster's members and what each trainer and evaluator is doing.</summary>
public sealed record ListNodes
{
    public static readonly ListNodes Instance = new();
}

public sealed record NodeList(IReadOnlyList<MemberInfo> Members, IReadOnlyList<TrainerInfo> Trainers, IReadOnlyList<EvaluatorInfo> Evaluators,
                             int EvaluationsPending = 0, int EvaluationsReplayed = 0);

public sealed record MemberInfo(string Address, IReadOnlyList<string> Roles, string Status);

/// <summary>A registered trainer: its node, device, and the job it runs (null when idle).</summary>
public sealed record TrainerInfo(string Node, string Device, TrainingJobId? Job);

/// <summary>A registered evaluator: its node, and the evaluation it holds (null when idle).</summary>
public sealed record EvaluatorInfo(string Node, string? Evaluation, string Device = "cpu");

/// <summary>Asks the training queue and the evaluation supervisor for their part of <see cref="NodeList"/>.</summary>
public sealed record ListWorkers
{
    public static readonly ListWorkers Instance = new();
}

public sealed record TrainerList(IReadOnlyList<TrainerInfo> Trainers);

/// <summary>The evaluators, the evaluations requested and not answered yet (queued, in flight or waiting to retry), and
/// how many attempts so far were replays (after a failure, or of work held by an evaluator that was lost).</summary>
public sealed record EvaluatorList(IReadOnlyList<EvaluatorInfo> Evaluators, int Pending = 0, int Replayed = 0);
