using NasActors.Search.Randomness;
using NasActors.Search.Sampling;
using NasActors.Search.Spaces;
using NasActors.Torch.Checkpoints;
using NasActors.Torch.Data;
using NasActors.Torch.Runtime;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Tests.Training;

/// <summary>The training side of each strategy: multi-path steps, PA&amp;DA's feedback, the few-shot split and MAGIC-A,
/// and, for every strategy, that a resumed training ends where an uninterrupted one does.</summary>
[Collection(TorchThreads.Collection)]
public sealed class StrategyTrainingTests : IDisposable
{
    const int Steps = 12;
    readonly ImageDataset _data = SyntheticData.Create(512);
    readonly string _directory = Directory.CreateTempSubdirectory("nasactors-strategy-").FullName;
    static readonly Nb201Space Space = Nb201Space.Instance;

    public static TheoryData<string, bool> Strategies
    {
        get
        {
            var data = new TheoryData<string, bool>();
            foreach (var name in Samplers.Names) data.Add(name, false);
            data.Add(UniformSampler.Name, true);  // MAGIC-A on top of a strategy
            return data;
        }
    }

    SupernetTraining NewTraining(string strategy, bool align, int seed = 3)
    {
        // Few-shot splits at step 6 of 12; MAGIC-A picks an anchor every 4 steps.
        var settings = new Dictionary<string, string>();
        if (strategy is FewShotSampler.Name or FewShotSampler.GradientMatchingName) (settings["split-at"], settings["matching-batches"]) = ("0.5", "2");
        if (strategy is FewShotSampler.IntrinsicDimensionName) (settings["split-at"], settings["lid-k"]) = ("0.5", "8");
        var context = new SamplerContext(Space, (ulong)seed, new StrategySettings(settings, "test"), Steps, StepsPerEpoch: 4);
        var sampler = Samplers.Create(strategy, context);
        var shape = SyntheticData.Shape();
        PathNetwork supernet = sampler is FewShotSampler fewShot
            ? new FewShotSupernet(shape, seed, fewShot.Split)
            : Nb201Network.CreateSupernet(shape, seed);
        var batch = 32;
        var train = Enumerable.Range(0, 128).ToArray();
        var order = Samplers.DataOrder(strategy, train, batch, (ulong)seed + 100, Steps);
        var anchor = align ? new AnchorSelection(Space, 1.0, every: 4, candidates: 3, validationImages: Enumerable.Range(400, 64).ToArray()) : null;
        return new SupernetTraining(supernet, sampler, _data, order, SgdSettings.Supernet with { BatchSize = batch }, Steps, CPU, anchor);
    }

    static List<double> TrainToEnd(SupernetTraining training)
    {
        var losses = new List<double>();
        while (!training.IsComplete) losses.AddRange(training.TrainStep().Losses);
        return losses;
    }

    [Theory]
    [MemberData(nameof(Strategies))]
    public void Resumed_training_should_end_identical_to_an_uninterrupted_one(string strategy, bool align)
    {
        TorchRuntime.SetThreads(1);
        using var uninterrupted = NewTraining(strategy, align);
        var whole = TrainToEnd(uninterrupted);
        Assert.All(whole, loss => Assert.True(double.IsFinite(loss)));

        CheckpointInfo checkpoint;
        List<double> firstPart;
        using (var beforeCrash = NewTraining(strategy, align))
        {
            // Step 7: after the few-shot split and after MAGIC-A's first anchor.
            firstPart = Enumerable.Range(0, 7).SelectMany(_ => beforeCrash.TrainStep().Losses).ToList();
            checkpoint = beforeCrash.SaveCheckpoint(Path.Combine(_directory, $"{strategy}-{align}.ckpt"));
        }
        using var resumed = NewTraining(strategy, align);
        resumed.RestoreCheckpoint(checkpoint.Path, checkpoint.Sha256);
        var rest = TrainToEnd(resumed);

        Assert.Equal(whole, firstPart.Concat(rest));
        Assert.Equal(CheckpointFile.WeightsSha256(uninterrupted.Supernet), CheckpointFile.WeightsSha256(resumed.Supernet));
        Assert.Equal(uninterrupted.PathsDigest, resumed.PathsDigest);
        Assert.Equal(uninterrupted.OperationUpdates!.Format(), resumed.OperationUpdates!.Format());
        if (align) Assert.Equal(uninterrupted.Anchor, resumed.Anchor);
    }

    [Fact]
    public void A_multi_path_step_should_return_one_loss_per_path_and_update_every_path()
    {
        TorchRuntime.SetThreads(1);
        using var training = NewTraining(FairSampler.Name, align: false);
        var before = training.Supernet.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var step = training.TrainStep();
        Assert.Equal(5, step.Losses.Count);
        Assert.Equal(5 * 32, step.Images);
        // Strict fairness puts every operation of every edge on one of the step's paths. Each such operation is trained
        // unless its edge is cut off from the output in that path (a cell skips edges that cannot reach it, so they get no
        // gradient): a weight of a cell moves exactly when its operation lay on a live edge of one of the paths.
        Assert.Equal(Nb201Space.Operations.Count, step.Paths.Count);
        for (var edge = 0; edge < Nb201Space.Edges.Count; edge++)
            Assert.Equal(Enumerable.Range(0, Nb201Space.Operations.Count), step.Paths.Select(p => p[edge]).Order());
        var trained = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in step.Paths)
        {
            var live = Nb201Space.LiveEdges(path);
            for (var edge = 0; edge < live.Length; edge++)
                if (live[edge]) trained.Add($"edge{Nb201Space.Edges[edge].To}_{Nb201Space.Edges[edge].From}_{Nb201Space.Operations[path[edge]]}.");
        }
        // The cells sit in a ModuleList, named by index ("stages.N."); their operations are named "edgeTO_FROM_OPERATION".
        var cellWeights = training.Supernet.named_parameters().Where(p => p.name.Contains(".edge", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3 * training.Supernet.Shape.CellsPerStage * Nb201Space.Edges.Count * 2, cellWeights.Length);  // a 1x1 and a 3x3 convolution per edge
        var moved = 0;
        foreach (var (name, parameter) in cellWeights)
        {
            var operation = name.Split('.')[2] + ".";
            var changed = !parameter.allclose(before[name], rtol: 0, atol: 0);
            Assert.True(trained.Contains(operation) == changed, $"{name}: {(changed ? "changed" : "did not change")}, but its operation {(trained.Contains(operation) ? "was" : "was not")} on a live edge of a path");
            if (changed) moved++;
        }
        Assert.True(moved > cellWeights.Length / 2, $"only {moved} of {cellWeights.Length} cell weights moved");
        foreach (var tensor in before.Values) tensor.Dispose();
    }

    [Fact]
    public void Operation_gradient_norms_should_be_positive_for_convolutions_zero_for_weightless_options_and_nan_off_the_path()
    {
        TorchRuntime.SetThreads(1);
        using var supernet = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 2);
        using var trainer = new SgdTrainer(supernet, SgdSettings.Supernet, 2);
        // Node 2 reaches the output only through 'none': its edges 2<-0 and 2<-1 are off the live path.
        var path = Space.Parse("|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|");
        using var scope = NewDisposeScope();
        var (images, labels) = _data.Batch(Enumerable.Range(0, 32).ToArray());
        var result = trainer.Step(images, labels, [path], 0, new StepOptions(OperationGradients: true, SampleScores: true));

        var norms = result.OperationGradientNorms!;
        Assert.True(norms[0] > 0);                                         // 1<-0 conv1x1
        Assert.True(double.IsNaN(norms[1]));                               // 2<-0 dead
        Assert.True(double.IsNaN(norms[2]));                               // 2<-1 dead
        Assert.True(norms[3] > 0);                                         // 3<-0 conv3x3
        foreach (var decision in new[] { 0, 3 })                           // the sum over cells of each weight's norm
            Assert.Equal(supernet.OperationParameters(path, decision, path[decision]).Sum(p => (double)p.grad!.norm().item<float>()), norms[decision], 5);
        Assert.Equal(0, norms[4]);                                         // 3<-1 pool
        Assert.True(double.IsNaN(norms[5]));                               // 3<-2 none
        var scores = result.SampleScores!;
        Assert.Equal(32, scores.Length);
        // ||softmax - onehot|| lies in (0, sqrt 2).
        Assert.All(scores, s => Assert.InRange(s, 1e-6f, MathF.Sqrt(2)));
    }

    [Fact]
    public void Sample_scores_should_be_the_norm_of_softmax_minus_onehot()
    {
        TorchRuntime.SetThreads(1);
        using var supernet = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 2);
        using var trainer = new SgdTrainer(supernet, SgdSettings.Supernet, 2);
        var path = Space.Parse("|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|nor_conv_1x1~2|");
        using var scope = NewDisposeScope();
        var (images, labels) = _data.Batch(Enumerable.Range(0, 16).ToArray());
        float[] expected;
        using (no_grad())
        {
            supernet.train();
            var probabilities = nn.functional.softmax(supernet.Forward(images, path), 1).data<float>().ToArray();
            var label = labels.data<long>().ToArray();
            expected = Enumerable.Range(0, 16).Select(i => MathF.Sqrt(Enumerable.Range(0, SyntheticData.Classes)
                .Sum(c => MathF.Pow(probabilities[i * SyntheticData.Classes + c] - (c == label[i] ? 1 : 0), 2)))).ToArray();
        }
        var scores = trainer.Step(images, labels, [path], 0, new StepOptions(SampleScores: true)).SampleScores!;
        for (var i = 0; i < 16; i++) Assert.Equal(expected[i], scores[i], 1e-4f);
    }

    [Fact]
    public void A_few_shot_supernet_should_copy_the_parent_at_the_split_and_route_children_by_their_split_option()
    {
        TorchRuntime.SetThreads(1);
        var plan = new FewShotSplit(Nb201Space.EdgeIndex(3, 0), AtStep: 2, Options: 5);
        using var supernet = new FewShotSupernet(SyntheticData.Shape(), 4, plan);
        var withConv = Space.Parse("|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|nor_conv_1x1~2|");
        var withSkip = withConv.With(Nb201Space.EdgeIndex(3, 0), Nb201Space.OperationIndex(Nb201Space.SkipConnect));
        using var scope = NewDisposeScope();
        var (images, _) = _data.Batch(Enumerable.Range(0, 16).ToArray());

        Assert.Same(supernet.For(withConv), supernet.For(withSkip));  // before the split: all through the parent
        supernet.Split();
        Assert.True(supernet.IsSplit);
        Assert.NotSame(supernet.For(withConv), supernet.For(withSkip));
        using (no_grad())
        {
            // Fresh copies of the parent: the same function as the parent for every child.
            var parentOutput = supernet.For(withSkip.With(Nb201Space.EdgeIndex(3, 0), 0)).Forward(images, withSkip);
            Assert.True(supernet.Forward(images, withSkip).allclose(parentOutput));
        }
        Assert.Throws<InvalidOperationException>(() => supernet.Split());
    }

    [Fact]
    public void A_few_shot_checkpoint_should_carry_whether_it_has_split()
    {
        TorchRuntime.SetThreads(1);
        CheckpointInfo checkpoint;
        using (var training = NewTraining(FewShotSampler.Name, align: false))
        {
            for (var s = 0; s < 7; s++) training.TrainStep();
            Assert.True(((FewShotSupernet)training.Supernet).IsSplit);
            checkpoint = training.SaveCheckpoint(Path.Combine(_directory, "fewshot.ckpt"));
        }
        var plan = new FewShotSplit(Nb201Space.EdgeIndex(3, 0), 6, 5);
        using var loaded = new FewShotSupernet(SyntheticData.Shape(), 99, plan);
        Assert.False(loaded.IsSplit);
        CheckpointFile.LoadWeights(checkpoint.Path, checkpoint.Sha256, loaded);
        Assert.True(loaded.IsSplit);
    }

    [Fact]
    public void A_gradient_matching_split_should_group_alike_options_and_a_checkpoint_should_carry_the_groups()
    {
        TorchRuntime.SetThreads(1);
        CheckpointInfo checkpoint;
        IReadOnlyList<int> groups;
        var conv = Space.Parse("|nor_conv_1x1~0|+|skip_connect~0|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|nor_conv_1x1~2|");
        var split = Nb201Space.EdgeIndex(3, 0);
        using (var training = NewTraining(FewShotSampler.GradientMatchingName, align: false))
        {
            for (var s = 0; s < 7; s++) training.TrainStep();
            var supernet = (FewShotSupernet)training.Supernet;
            Assert.True(supernet.IsSplit);
            Assert.Equal(["groups", "split"], supernet.named_buffers().Select(b => b.name).Where(n => !n.Contains('.')).Order(StringComparer.Ordinal));
            groups = supernet.GroupOf.ToArray();
            var distances = training.OptionDistances!;
            Assert.Equal(groups, OptionGrouping.LeastWithinGroupDistance(distances, 2));
            Assert.Equal([2, 3], groups.GroupBy(g => g).Select(g => g.Count()).Order());
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(0, distances[i, i]);
                for (var j = 0; j < 5; j++) Assert.InRange(distances[i, j], 0, 2);
            }
            // Children are routed by their option's group: same group, same weights.
            for (var option = 0; option < 5; option++)
            {
                var same = groups[option] == groups[Nb201Space.OperationIndex(Nb201Space.SkipConnect)];
                var child = conv.With(split, option);
                var skip = conv.With(split, Nb201Space.OperationIndex(Nb201Space.SkipConnect));
                Assert.Equal(same, ReferenceEquals(supernet.For(child), supernet.For(skip)));
            }
            checkpoint = training.SaveCheckpoint(Path.Combine(_directory, "fewshot-gm.ckpt"));
        }
        var plan = new FewShotSplit(split, 6, 5) { Groups = 2 };
        using var loaded = new FewShotSupernet(SyntheticData.Shape(), 99, plan);
        CheckpointFile.LoadWeights(checkpoint.Path, checkpoint.Sha256, loaded);
        Assert.True(loaded.IsSplit);
        Assert.Equal(groups, loaded.GroupOf);
    }

    [Fact]
    public void An_intrinsic_dimension_split_should_group_by_the_lid_vectors_and_a_checkpoint_should_carry_the_groups()
    {
        TorchRuntime.SetThreads(1);
        CheckpointInfo checkpoint;
        IReadOnlyList<int> groups;
        using (var training = NewTraining(FewShotSampler.IntrinsicDimensionName, align: false))
        {
            Assert.Equal(FewShotSampler.IntrinsicDimensionName, training.Sampler.Strategy);
            for (var s = 0; s < 7; s++) training.TrainStep();
            var supernet = (FewShotSupernet)training.Supernet;
            Assert.True(supernet.IsSplit);
            groups = supernet.GroupOf.ToArray();
            Assert.Equal(groups, OptionGrouping.LeastWithinGroupDistance(training.OptionDistances!, 2));
            Assert.Equal(groups, OptionGrouping.LeastWithinGroupDistance(IntrinsicDimensionMatching.CosineDistances(training.OptionLidVectors!), 2));
            Assert.Equal([2, 3], groups.GroupBy(g => g).Select(g => g.Count()).Order());
            Assert.All(training.OptionLidVectors!.SelectMany(v => v), value => Assert.True(double.IsFinite(value) && value > 0, $"LID {value}"));
            checkpoint = training.SaveCheckpoint(Path.Combine(_directory, "fewshot-lid.ckpt"));
        }
        var plan = new FewShotSplit(Nb201Space.EdgeIndex(3, 0), 6, 5) { Groups = 2, Criterion = SplitCriterion.IntrinsicDimension };
        using var loaded = new FewShotSupernet(SyntheticData.Shape(), 99, plan);
        CheckpointFile.LoadWeights(checkpoint.Path, checkpoint.Sha256, loaded);
        Assert.True(loaded.IsSplit);
        Assert.Equal(groups, loaded.GroupOf);
    }

    [Fact]
    public void A_few_shot_supernet_moved_by_Module_to_should_still_record_its_split_in_the_buffers_it_saves()
    {
        // Module.to replaces each buffer it moves (to a GPU; here, the nearest the CPU has, a dtype change) and updates
        // only the field named as the buffer: the split must reach the tensors state_dict (and so a checkpoint) holds.
        using var supernet = new FewShotSupernet(SyntheticData.Shape(), 4, new FewShotSplit(Nb201Space.EdgeIndex(3, 0), 2, 5) { Groups = 2 });
        var before = supernet.state_dict()["groups"].Handle;
        supernet.to(ScalarType.Float64);
        Assert.NotEqual(before, supernet.state_dict()["groups"].Handle);

        supernet.Split([1, 0, 1, 1, 0]);

        Assert.Equal([1L, 0, 1, 1, 0], supernet.state_dict()["groups"].data<long>().ToArray());
        Assert.Equal(1L, supernet.state_dict()["split"].item<long>());
    }

    [Fact]
    public void Gradient_matching_should_compare_only_the_weights_that_the_options_share()
    {
        TorchRuntime.SetThreads(1);
        using var supernet = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 5);
        var split = Nb201Space.EdgeIndex(3, 0);
        var path = Space.Parse("|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|skip_connect~0|nor_conv_3x3~1|avg_pool_3x3~2|");
        using var scope = NewDisposeScope();
        var (images, labels) = _data.Batch(Enumerable.Range(0, 32).ToArray());

        var distances = GradientMatching.OptionDistances(supernet, split, 5, batches: 1, () => (images, labels), () => path);

        var own = Enumerable.Range(0, 5).SelectMany(o => supernet.OperationParameters(path, split, o)).ToHashSet(ReferenceEqualityComparer.Instance);
        var shared = supernet.parameters().Where(p => !own.Contains(p)).ToArray();
        var conv3 = PathGradient.Of(supernet, path.With(split, Nb201Space.OperationIndex(Nb201Space.Conv3x3)), images, labels, shared);
        var pool = PathGradient.Of(supernet, path.With(split, Nb201Space.OperationIndex(Nb201Space.AvgPool3x3)), images, labels, shared);
        var expected = 1 - PathGradient.CosineSimilarity(conv3, pool);
        Assert.Equal(expected, distances[Nb201Space.OperationIndex(Nb201Space.Conv3x3), Nb201Space.OperationIndex(Nb201Space.AvgPool3x3)], 1e-6);
        Assert.True(expected is > 0.001 and < 1.5, $"distance {expected}");
        Assert.All(supernet.parameters(), p => Assert.Null(p.grad));  // left for the next training step to set
    }

    [Fact]
    public void MagicA_alignment_should_stay_bounded_where_a_deep_supernets_cells_of_skips_multiply_their_input()
    {
        TorchRuntime.SetThreads(1);
        // Five cells a stage, as the committed ground truth: a cell of skips and pools outputs about 4x its input.
        using var supernet = Nb201Network.CreateSupernet(new NetworkShape(4, 5, 1, 8, SyntheticData.Classes), seed: 2);
        var skips = Space.Parse("|skip_connect~0|+|skip_connect~0|skip_connect~1|+|avg_pool_3x3~0|avg_pool_3x3~1|skip_connect~2|");
        var anchor = Space.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_3x3~0|skip_connect~1|nor_conv_3x3~2|");
        using var scope = NewDisposeScope();
        var (images, _) = _data.Batch(Enumerable.Range(0, 32).ToArray());
        List<Tensor> CellOutputs(Architecture path)
        {
            var outputs = new List<Tensor>();
            supernet.Forward(images, path, outputs);
            return outputs;
        }
        var anchorOutputs = CellOutputs(anchor).Select(o => o.detach()).ToList();
        var trained = CellOutputs(skips);
        Assert.True(trained[^1].abs().max().item<float>() > 100 * anchorOutputs[^1].abs().max().item<float>());

        var loss = SgdTrainer.AlignmentLoss(trained, anchorOutputs, weight: 1);
        loss.backward();

        Assert.InRange(loss.item<float>(), 0, 4);  // the raw mean-squared error here is in the thousands
        var gradients = supernet.parameters().Where(p => p.grad is not null).ToArray();
        Assert.NotEmpty(gradients);
        Assert.All(gradients, p => Assert.True(p.grad!.isfinite().all().item<bool>()));
        // Scale does not count, shape does: the anchor's outputs x1000 are aligned with it, their negation is not.
        Assert.Equal(0, SgdTrainer.AlignmentLoss(anchorOutputs.Select(o => o.mul(1000)).ToList(), anchorOutputs, 1).item<float>(), 4);
        Assert.Equal(4, SgdTrainer.AlignmentLoss(anchorOutputs.Select(o => o.neg()).ToList(), anchorOutputs, 1).item<float>(), 3);
    }

    [Fact]
    public void MagicA_should_choose_an_anchor_among_trained_paths_and_change_the_update()
    {
        TorchRuntime.SetThreads(1);
        using var aligned = NewTraining(UniformSampler.Name, align: true);
        using var plain = NewTraining(UniformSampler.Name, align: false);
        var trained = new HashSet<Architecture>();
        for (var s = 0; s < 4; s++)
        {
            foreach (var path in aligned.TrainStep().Paths) trained.Add(path);
            plain.TrainStep();
        }
        Assert.Null(aligned.Anchor);  // no anchor before the first selection: the same training as without
        Assert.Equal(CheckpointFile.WeightsSha256(plain.Supernet), CheckpointFile.WeightsSha256(aligned.Supernet));

        aligned.TrainStep();
        plain.TrainStep();
        Assert.NotNull(aligned.Anchor);
        Assert.Contains(aligned.Anchor, trained);
        Assert.NotEqual(CheckpointFile.WeightsSha256(plain.Supernet), CheckpointFile.WeightsSha256(aligned.Supernet));
    }

    public void Dispose()
    {
        _data.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
