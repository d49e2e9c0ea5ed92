using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Checkpoints;
using NasActors.Torch.Data;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;
using static TorchSharp.torch;

namespace NasActors.Torch.Tests.Training;

/// <summary>What shows why a ranking is bad: how often each operation was updated, and how far its weights moved.</summary>
[Collection(TorchThreads.Collection)]
public sealed class OperationTrainingTests : IDisposable
{
    static readonly Nb201Space Space = Nb201Space.Instance;
    readonly ImageDataset _data = SyntheticData.Create(256);
    readonly string _directory = Directory.CreateTempSubdirectory("nasactors-operations-").FullName;

    // 1<-0 and 3<-0 carry a 1x1 convolution to the output; node 2 reaches it only through 'none', so the 1x1
    // convolutions on 2<-0 and 2<-1 are on dead edges; no 3x3 convolution anywhere.
    static readonly Architecture FixedPath = Space.Parse("|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|nor_conv_1x1~0|skip_connect~1|none~2|");
    static readonly int Conv1x1 = Nb201Space.OperationIndex(Nb201Space.Conv1x1);
    static readonly int Conv3x3 = Nb201Space.OperationIndex(Nb201Space.Conv3x3);

    SupernetTraining NewTraining(IPathSampler sampler, long steps, int seed = 3) =>
        new(Nb201Network.CreateSupernet(SyntheticData.Shape(), seed), sampler, _data, Enumerable.Range(0, _data.Count).ToArray(),
            SgdSettings.Supernet with { BatchSize = 32 }, steps, dataSeed: 7, CPU);

    [Fact]
    public void Update_counts_should_equal_a_count_by_hand_of_the_sampled_paths_live_edges()
    {
        TorchRuntime.SetThreads(1);
        using var training = NewTraining(new UniformSampler(Space, 11), 10);
        while (!training.IsComplete) training.TrainStep();

        var expected = new long[Space.Decisions.Count, Nb201Space.Operations.Count];
        var again = new UniformSampler(Space, 11);  // the same seed draws the same paths
        for (var step = 0; step < 10; step++)
        {
            var path = Assert.Single(again.NextStep());
            var live = Nb201Space.LiveEdges(path);
            for (var d = 0; d < live.Length; d++)
                if (live[d]) expected[d, path[d]]++;
        }
        var counts = training.OperationUpdates!;
        for (var d = 0; d < Space.Decisions.Count; d++)
            for (var o = 0; o < Nb201Space.Operations.Count; o++)
                Assert.True(expected[d, o] == counts[d, o], $"decision {d} option {o}: {counts[d, o]} updates, by hand {expected[d, o]}");
        Assert.All(Enumerable.Range(0, Space.Decisions.Count), d => Assert.Equal(0, counts[d, 0]));  // 'none' is never live
    }

    [Fact]
    public void An_option_trained_by_several_paths_of_one_step_should_count_one_update()
    {
        var updates = new OperationUpdates(Space);
        updates.Record([FixedPath, FixedPath]);
        Assert.Equal(1, updates[0, Conv1x1]);
        Assert.Equal(0, updates[1, Conv1x1]);  // dead edge
        Assert.Equal("0,0,1,0,0;0,0,0,0,0;0,0,0,0,0;0,0,1,0,0;0,1,0,0,0;0,0,0,0,0", updates.Format());
        Assert.Equal(updates.Format(), OperationUpdates.Parse(updates.Format(), Space)!.Format());
        Assert.Null(OperationUpdates.Parse("1,2;3", Space));
    }

    [Fact]
    public void Update_counts_should_survive_a_checkpoint_and_resume_exactly()
    {
        TorchRuntime.SetThreads(1);
        using var uninterrupted = NewTraining(new UniformSampler(Space, 5), 12);
        while (!uninterrupted.IsComplete) uninterrupted.TrainStep();

        CheckpointInfo checkpoint;
        using (var beforeCrash = NewTraining(new UniformSampler(Space, 5), 12))
        {
            for (var step = 0; step < 5; step++) beforeCrash.TrainStep();
            checkpoint = beforeCrash.SaveCheckpoint(Path.Combine(_directory, "step5.ckpt"));
        }
        Assert.Equal(OperationUpdates.MetadataKey, Assert.Single(CheckpointFile.ReadState(checkpoint.Path).Metadata.Keys));
        using var resumed = NewTraining(new UniformSampler(Space, 5), 12);
        resumed.RestoreCheckpoint(checkpoint.Path, checkpoint.Sha256);
        while (!resumed.IsComplete) resumed.TrainStep();

        Assert.Equal(uninterrupted.OperationUpdates!.Format(), resumed.OperationUpdates!.Format());
        Assert.Equal(CheckpointFile.WeightsSha256(uninterrupted.Supernet), CheckpointFile.WeightsSha256(resumed.Supernet));
    }

    [Fact]
    public void An_untrained_supernet_should_not_have_moved_and_weightless_operations_have_no_movement()
    {
        TorchRuntime.SetThreads(1);
        using var supernet = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 4);
        using var initial = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 4);
        var movement = OperationMovement.Measure(supernet, initial);
        for (var d = 0; d < Space.Decisions.Count; d++)
            for (var o = 0; o < Nb201Space.Operations.Count; o++)
                if (o == Conv1x1 || o == Conv3x3) Assert.Equal(0, movement[d][o]);
                else Assert.True(double.IsNaN(movement[d][o]), $"{Nb201Space.Operations[o]} has no weights, yet moved {movement[d][o]}");
    }

    [Fact]
    public void Trained_operations_should_have_moved_and_operations_never_trained_on_a_live_edge_not()
    {
        TorchRuntime.SetThreads(1);
        using var training = NewTraining(new FixedSampler(FixedPath), 4, seed: 6);
        while (!training.IsComplete) training.TrainStep();
        using var initial = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 6);
        var movement = OperationMovement.Measure(training.Supernet, initial);
        var updates = training.OperationUpdates!;

        foreach (var live in new[] { 0, 3 })  // 1<-0 and 3<-0
        {
            Assert.Equal(4, updates[live, Conv1x1]);
            Assert.True(movement[live][Conv1x1] > 0);
            // ||W - W0|| / ||W0|| over the weights of the one cell.
            var weights = training.Supernet.OperationParameters(FixedPath, live, Conv1x1);
            var origin = initial.OperationParameters(FixedPath, live, Conv1x1);
            double moved = 0, size = 0;
            for (var i = 0; i < weights.Count; i++)
            {
                moved += (weights[i] - origin[i]).square().sum().item<float>();
                size += origin[i].square().sum().item<float>();
            }
            Assert.Equal(Math.Sqrt(moved / size), movement[live][Conv1x1], 4);
        }
        foreach (var dead in new[] { 1, 2 })  // 2<-0 and 2<-1
        {
            Assert.Equal(0, updates[dead, Conv1x1]);
            Assert.Equal(0, movement[dead][Conv1x1]);
        }
        Assert.All(Enumerable.Range(0, Space.Decisions.Count), d => Assert.Equal(0, movement[d][Conv3x3]));
        Assert.Equal(4, updates[4, Nb201Space.OperationIndex(Nb201Space.SkipConnect)]);
        Assert.True(double.IsNaN(movement[4][Nb201Space.OperationIndex(Nb201Space.SkipConnect)]));

        var table = OperationTraining.Of(Space, training.Step, updates, movement);
        Assert.Equal("1<-0", table.Rows[0][Conv1x1].Decision);
        Assert.Equal(4, table.Rows[0][Conv1x1].Updates);
        Assert.Null(table.Rows[4][1].Movement);
        var least = table.LeastTrained!;
        Assert.Equal(0, least.Updates);
        Assert.True(least.HasWeights);
    }

    [Fact]
    public void A_few_shot_supernet_just_split_should_not_have_moved_from_the_parents_initial_weights()
    {
        TorchRuntime.SetThreads(1);
        var settings = new StrategySettings(new Dictionary<string, string> { ["split-at"] = "0.5" }, "test");
        var sampler = (FewShotSampler)Samplers.Create(FewShotSampler.Name, new SamplerContext(Space, 3, settings, 8, StepsPerEpoch: 4));
        using var fewShot = new FewShotSupernet(SyntheticData.Shape(), 3, sampler.Split);
        using var initial = new FewShotSupernet(SyntheticData.Shape(), 3, sampler.Split);
        fewShot.Split();
        var movement = OperationMovement.Measure(fewShot, initial);
        Assert.All(movement.SelectMany(m => m).Where(double.IsFinite), m => Assert.Equal(0, m));
        Assert.Equal(2 * Space.Decisions.Count, movement.SelectMany(m => m).Count(double.IsFinite));
    }

    public void Dispose()
    {
        _data.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Trains one path every step.</summary>
    sealed class FixedSampler(Architecture path) : IPathSampler
    {
        public string Strategy => "fixed";
        public int PathsPerStep => 1;
        public IReadOnlyList<Architecture> NextStep() => [path];
        public void Observe(StepFeedback feedback) { }
        public string SaveState() => "";
        public void RestoreState(string state) { }
    }
}
