using Akka.Actor;
using NasActors.Actors.Persistence;
using NasActors.Actors.Protocol;
using NasActors.Actors.Training;

namespace NasActors.Actors.Tests.Training;

/// <summary>Real supernet training through the trainer actors, on a tiny fake Fashion-MNIST.</summary>
public sealed class TrainingQueueTests : Akka.TestKit.Xunit2.TestKit
{
    readonly string _directory = Directory.CreateTempSubdirectory("nasactors-train-").FullName;
    readonly string _spec;

    public TrainingQueueTests() : base("akka.test.timefactor = 10")
    {
        _spec = TinyTraining.Spec(_directory);
    }

    IActorRef Queue() => Sys.ActorOf(TrainingQueue.Props(["cpu"], Path.Combine(_directory, "checkpoints")));

    async Task<(CheckpointSaved Middle, CheckpointSaved Final)> TrainFromScratch(IActorRef queue, string searchId)
    {
        queue.Tell(new TrainStrategy(searchId, "a", _spec, 1, []), TestActor);
        var middle = await ExpectMsgAsync<CheckpointSaved>();
        var final = await ExpectMsgAsync<CheckpointSaved>();
        return (middle, final);
    }

    [Fact]
    public async Task Trainer_should_checkpoint_every_k_steps_and_mark_the_last_checkpoint_final()
    {
        var (middle, final) = await TrainFromScratch(Queue(), "s1");
        Assert.Equal((5L, false), (middle.Step, middle.Final));
        Assert.Equal((10L, true), (final.Step, final.Final));
        Assert.True(File.Exists(final.Path));
        Assert.Equal(NasActors.Torch.Checkpoints.CheckpointFile.Sha256(final.Path), final.Sha256);
        Assert.Matches("^[0-9a-f]{64}$", final.WeightsSha256);
    }

    [Fact]
    public async Task Training_resumed_from_a_committed_checkpoint_should_end_with_the_same_weights()
    {
        var queue = Queue();
        var (middle, final) = await TrainFromScratch(queue, "s2");

        queue.Tell(new TrainStrategy("s2", "a", _spec, 1, [new CheckpointCommitted("a", middle.Step, middle.Path, middle.Sha256)]), TestActor);

        var resumedFinal = await ExpectMsgAsync<CheckpointSaved>();
        Assert.Equal((10L, true), (resumedFinal.Step, resumedFinal.Final));
        Assert.Equal(final.WeightsSha256, resumedFinal.WeightsSha256);
        // Where each job took up the training, journaled with its checkpoints.
        Assert.Equal((0L, 0L, 5L), (middle.ResumedFrom, final.ResumedFrom, resumedFinal.ResumedFrom));
    }

    [Fact]
    public async Task A_corrupt_checkpoint_should_be_reported_and_training_should_fall_back_to_the_one_before()
    {
        var queue = Queue();
        var (middle, final) = await TrainFromScratch(queue, "s3");
        var bytes = await File.ReadAllBytesAsync(middle.Path);
        bytes[^10] ^= 0xFF;
        await File.WriteAllBytesAsync(middle.Path, bytes);

        queue.Tell(new TrainStrategy("s3", "a", _spec, 1, [new CheckpointCommitted("a", middle.Step, middle.Path, middle.Sha256)]), TestActor);

        var unusable = await ExpectMsgAsync<CheckpointUnusable>();
        Assert.Equal(5, unusable.Step);
        Assert.Contains("SHA-256", unusable.Reason);
        Assert.Equal(0L, (await ExpectMsgAsync<CheckpointSaved>(c => c.Step == 5)).ResumedFrom);  // from scratch: nothing before it
        Assert.Equal(final.WeightsSha256, (await ExpectMsgAsync<CheckpointSaved>(c => c.Final)).WeightsSha256);
    }

    [Theory]
    [InlineData("sampler = uniform")]
    [InlineData("sampler = fair")]
    [InlineData("sampler = magic-t")]
    [InlineData("sampler = sandwich")]
    [InlineData("sampler = fewshot")]
    [InlineData("sampler = fewshot-gm, matching-batches = 1")]  // splits at step 20, between the two checkpoints resumed from
    [InlineData("sampler = pada")]
    [InlineData("sampler = pada, align = 1, anchor-every = 7")]
    public async Task Every_strategy_resumed_through_the_actors_should_train_the_same_paths_to_the_same_weights(string strategy)
    {
        // 40 steps, checkpoints at 13 and 26 (not on the sampler's request schedule); 9 steps make an epoch of the fake
        // data, so PA&DA's importance changes several times and feedback is pending at every checkpoint.
        var spec = _spec.Replace("steps = 10, batch-size = 32, checkpoint-every = 5", "steps = 40, batch-size = 32, checkpoint-every = 13")
                        .Replace("a { sampler = uniform, seed = 1 }", $"a {{ {strategy}, seed = 1 }}");
        var queue = Queue();
        queue.Tell(new TrainStrategy("r", "a", spec, 1, []), TestActor);
        var saved = new List<CheckpointSaved>();
        for (var i = 0; i < 4; i++) saved.Add(await ExpectMsgAsync<CheckpointSaved>(TimeSpan.FromSeconds(60)));
        Assert.Equal([13L, 26, 39, 40], saved.Select(c => c.Step));

        foreach (var from in saved.Take(2))
        {
            queue.Tell(new TrainStrategy("r", "a", spec, 1, [new CheckpointCommitted("a", from.Step, from.Path, from.Sha256)]), TestActor);
            CheckpointSaved resumed;
            do resumed = await ExpectMsgAsync<CheckpointSaved>(TimeSpan.FromSeconds(60));
            while (!resumed.Final);
            Assert.Equal(saved[^1].PathsDigest, resumed.PathsDigest);
            Assert.Equal(saved[^1].WeightsSha256, resumed.WeightsSha256);
        }
    }

    [Fact]
    public async Task A_job_for_an_unknown_strategy_should_fail_with_the_reason()
    {
        Queue().Tell(new TrainStrategy("s4", "zzz", _spec, 1, []), TestActor);
        Assert.Contains("no strategy 'zzz'", (await ExpectMsgAsync<TrainingFailed>()).Reason);
    }

    [Fact]
    public async Task A_trainer_whose_device_is_missing_should_fail_the_job_and_write_nothing()
    {
        // A CUDA trainer once trained on the CPU whatever its device. No machine has a 100th GPU: this holds with CUDA
        // or without ("not available" without, "does not exist" with).
        var queue = Sys.ActorOf(TrainingQueue.Props(["cuda:99"], Path.Combine(_directory, "checkpoints")));
        queue.Tell(new TrainStrategy("s6", "a", _spec, 1, []), TestActor);
        Assert.Contains("device 'cuda:99'", (await ExpectMsgAsync<TrainingFailed>(TimeSpan.FromSeconds(60))).Reason);
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(500));
        Assert.False(Directory.Exists(Path.Combine(_directory, "checkpoints", "s6")));
    }

    [CudaFact]
    public async Task A_cuda_trainer_should_train_on_its_device()
    {
        var queue = Sys.ActorOf(TrainingQueue.Props(["cuda:0"], Path.Combine(_directory, "checkpoints")));
        queue.Tell(new TrainStrategy("s7", "a", _spec, 1, []), TestActor);
        var middle = await ExpectMsgAsync<CheckpointSaved>(TimeSpan.FromSeconds(60));
        Assert.Equal((5L, false), (middle.Step, middle.Final));
        var final = await ExpectMsgAsync<CheckpointSaved>(TimeSpan.FromSeconds(60));
        Assert.Equal((10L, true), (final.Step, final.Final));
        Assert.Matches("^[0-9a-f]{64}$", final.WeightsSha256);
    }

    [Fact]
    public async Task An_unexpected_exception_on_a_training_thread_should_fail_the_job_with_the_reason_and_free_the_trainer()
    {
        // A checkpoint directory under a regular file: writing the first checkpoint throws an IOException (not a
        // NasException) on the trainer's thread, which once took the whole process (and every other job) down with it.
        var blocker = Path.Combine(_directory, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "");
        var queue = Sys.ActorOf(TrainingQueue.Props(["cpu"], Path.Combine(blocker, "checkpoints")));
        TrainingFailed failed = null!;
        // Failed, not hidden: the trainer logs the exception with its stack trace.
        await EventFilter.Exception<IOException>(start: "training s8/a failed on cpu").ExpectOneAsync(async () =>
        {
            queue.Tell(new TrainStrategy("s8", "a", _spec, 1, []), TestActor);
            failed = await ExpectMsgAsync<TrainingFailed>(TimeSpan.FromSeconds(60));
        });
        Assert.Equal(("s8", "a"), (failed.SearchId, failed.Strategy));
        Assert.StartsWith("training stopped by an unexpected DirectoryNotFoundException: ", failed.Reason);
        Assert.Contains(blocker, failed.Reason);

        // The trainer is free again: the next job reaches it (and fails the same way).
        queue.Tell(new TrainStrategy("s9", "a", _spec, 1, []), TestActor);
        Assert.Equal("s9", (await ExpectMsgAsync<TrainingFailed>(TimeSpan.FromSeconds(60))).SearchId);
    }

    [Fact]
    public async Task A_stopped_trainer_should_have_ended_its_training_thread_so_nothing_is_written_after_it()
    {
        var queue = Queue();
        Watch(queue);
        // Steps long enough (a wider, deeper supernet) that the stop lands inside one, and a checkpoint after every step:
        // a thread left running finishes its step and writes one more file.
        var spec = _spec.Replace("steps = 10", "steps = 1000000").Replace("checkpoint-every = 5", "checkpoint-every = 1")
                        .Replace("channels = 2, cells = 1", "channels = 16, cells = 3");
        queue.Tell(new TrainStrategy("s5", "a", spec, 1, []), TestActor);
        await ExpectMsgAsync<CheckpointSaved>();

        Sys.Stop(queue);
        await FishForMessageAsync(m => m is Terminated t && t.ActorRef.Equals(queue));  // passing checkpoints sent meanwhile

        var checkpoints = Path.Combine(_directory, "checkpoints", "s5", "a");
        var written = Directory.GetFiles(checkpoints);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Equal(written, Directory.GetFiles(checkpoints));
    }

    [Fact]
    public async Task A_training_waiting_for_paths_should_stop_waiting_when_cancelled()
    {
        var silentSampler = CreateTestProbe();  // never answers
        var sampler = new ActorFedSampler(NasActors.Search.Sampling.Samplers.Create("uniform", NasActors.Search.Spaces.Nb201Space.Instance, 1),
                                          NasActors.Search.Spaces.Nb201Space.Instance, () => silentSampler.Ref, TestActor, lookahead: 4);
        using var cancellation = new CancellationTokenSource();
        sampler.StopWaitingOn(cancellation.Token);

        var waiting = Task.Run(sampler.NextStep);
        await silentSampler.ExpectMsgAsync<RequestPaths>();
        Assert.False(waiting.IsCompleted);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        Directory.Delete(_directory, recursive: true);
    }
}
