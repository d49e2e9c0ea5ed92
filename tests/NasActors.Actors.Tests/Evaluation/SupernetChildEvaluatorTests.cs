using Akka.Actor;
using NasActors.Actors.Evaluation;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;
using NasActors.Search.Spaces;
using NasActors.Torch.Checkpoints;
using NasActors.Torch.Data;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;
using static TorchSharp.torch;
using TorchEvaluation = NasActors.Torch.Training.Evaluation;

namespace NasActors.Actors.Tests.Evaluation;

/// <summary>The real evaluator on a tiny supernet (C=2, 8x8 images) and a tiny fake Fashion-MNIST: children scored
/// with inherited weights on the first validation images, a corrupt checkpoint refused at once.</summary>
public sealed class SupernetChildEvaluatorTests : Akka.TestKit.Xunit2.TestKit
{
    const int ValidationSize = 100;
    const int EvaluationImages = 50;
    static readonly NetworkShape Shape = new(Channels: 2, CellsPerStage: 1, InputChannels: 1, ImageSize: 8, ClassCount: 10);

    readonly string _directory = Directory.CreateTempSubdirectory("nasactors-evaluation-").FullName;
    readonly string _dataDirectory;
    readonly string _spec;
    readonly Nb201Network _supernet = Nb201Network.CreateSupernet(Shape, seed: 7);
    readonly CheckpointInfo _checkpoint;

    public SupernetChildEvaluatorTests() : base("akka.test.timefactor = 5")
    {
        _dataDirectory = FakeFashionMnist.Write(Directory.CreateDirectory(Path.Combine(_directory, "data")).FullName, trainCount: 200, testCount: 20);
        _spec = EvaluationSupervisorTests.Spec(dataDirectory: _dataDirectory);
        _checkpoint = Save(_supernet, "step-10.ckpt");
    }

    CheckpointInfo Save(Nb201Network supernet, string name)
    {
        using var trainer = new SgdTrainer(supernet, SgdSettings.Supernet, totalSteps: 10);
        return CheckpointFile.Save(Path.Combine(_directory, name), supernet, trainer.Optimizer,
                                   new TrainingState(10, "", "", get_num_threads(), new Dictionary<string, string>()));
    }

    /// <summary>The specification: accuracy along the path on the first validation images of split seed 0.</summary>
    double Expected(Nb201Network supernet, string architecture)
    {
        var (train, test) = DataSets.Load(DataSets.FashionMnistName, _dataDirectory, Shape.ImageSize);
        using (train)
        using (test)
        {
            var indices = DataSplit.Create(train.Count, ValidationSize, 0).Validation[..EvaluationImages];
            return TorchEvaluation.Accuracy(supernet, Nb201Space.Instance.Parse(architecture), train, indices, CPU);
        }
    }

    EvaluateChild Work(int index, CheckpointInfo checkpoint) =>
        EvaluationSupervisorTests.Work(index, _spec, checkpoint.Path, checkpoint.Sha256);

    [Fact]
    public async Task Children_should_be_scored_with_the_weights_they_inherit_from_the_checkpoint()
    {
        var supervisor = Sys.ActorOf(EvaluationSupervisor.Props(() => new SupernetChildEvaluator()));
        for (var i = 0; i < 3; i++) supervisor.Tell(Work(i, _checkpoint), TestActor);
        for (var i = 0; i < 3; i++)
        {
            var answer = await ExpectMsgAsync<EvaluationSucceeded>(TimeSpan.FromSeconds(30));
            var index = int.Parse(answer.EvaluationId[2..]);
            Assert.Equal(Expected(_supernet, EvaluationSupervisorTests.Architectures[index]), answer.Accuracy);
        }
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_checkpoint_whose_hash_does_not_match_should_give_up_at_once_naming_the_checkpoint()
    {
        var corrupt = Path.Combine(_directory, "corrupt.ckpt");
        var bytes = File.ReadAllBytes(_checkpoint.Path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(corrupt, bytes);
        var supervisor = Sys.ActorOf(EvaluationSupervisor.Props(() => new SupernetChildEvaluator()));
        await EventFilter.Warning(contains: "cannot be retried").ExpectOneAsync(async () =>
        {
            supervisor.Tell(Work(0, _checkpoint with { Path = corrupt }), TestActor);
            var gaveUp = await ExpectMsgAsync<EvaluationGaveUp>(TimeSpan.FromSeconds(30));
            Assert.Contains($"checkpoint '{corrupt}' is unusable", gaveUp.Reason);
            Assert.Contains(_checkpoint.Sha256, gaveUp.Reason);
        });
        await ExpectNoMsgAsync(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task An_evaluator_on_a_device_this_machine_lacks_should_give_up_at_once_naming_the_device()
    {
        var supervisor = Sys.ActorOf(EvaluationSupervisor.Props(() => new SupernetChildEvaluator("cuda:99")));
        await EventFilter.Warning(contains: "cannot be retried").ExpectOneAsync(async () =>
        {
            supervisor.Tell(Work(0, _checkpoint), TestActor);
            var gaveUp = await ExpectMsgAsync<EvaluationGaveUp>(TimeSpan.FromSeconds(30));
            Assert.Contains("device 'cuda:99'", gaveUp.Reason);
        });
    }

    [Fact]
    public void Supernets_evicted_from_the_cache_should_be_loaded_again_when_asked_for()
    {
        using var other = Nb201Network.CreateSupernet(Shape, seed: 8);
        var otherCheckpoint = Save(other, "step-20.ckpt");
        using var evaluator = new SupernetChildEvaluator(cachedSupernets: 1);
        var spec = SearchSpec.Parse(_spec);
        var architecture = EvaluationSupervisorTests.Architectures[0];
        foreach (var (supernet, checkpoint) in new[] { (_supernet, _checkpoint), (other, otherCheckpoint), (_supernet, _checkpoint) })
        {
            var request = new EvaluationRequested("a/0", "a", architecture, checkpoint.Path, checkpoint.Sha256);
            Assert.Equal(Expected(supernet, architecture), evaluator.Evaluate(request, spec));
        }
    }

    [Fact]
    public void A_fine_tuned_child_should_train_a_copy_and_leave_the_inherited_weights_for_the_next_child()
    {
        using var evaluator = new SupernetChildEvaluator();
        var plain = SearchSpec.Parse(_spec);
        var fineTuned = SearchSpec.Parse(_spec.Replace("a { sampler = uniform }", "a { sampler = uniform, fine-tune = 5, fine-tune-batch = 16, fine-tune-lr = 0.1 }"));
        var architecture = EvaluationSupervisorTests.Architectures[0];
        var request = new EvaluationRequested("a/0", "a", architecture, _checkpoint.Path, _checkpoint.Sha256);
        var inherited = Expected(_supernet, architecture);

        Assert.Equal(inherited, evaluator.Evaluate(request, plain));
        var tuned = evaluator.Evaluate(request, fineTuned);
        Assert.NotEqual(inherited, tuned);
        Assert.Equal(tuned, evaluator.Evaluate(request, fineTuned));  // same images in the same order
        Assert.Equal(inherited, evaluator.Evaluate(request, plain));  // the cached supernet did not move
    }

    [Fact]
    public void A_fine_tuned_child_should_not_depend_on_what_the_scratch_copy_trained_before()
    {
        var all = SearchSpec.Parse(_spec.Replace("a { sampler = uniform }", "a { sampler = uniform, fine-tune = 5, fine-tune-batch = 16 }"));
        var operationsOnly = SearchSpec.Parse(_spec.Replace("a { sampler = uniform }", "a { sampler = uniform, fine-tune = 5, fine-tune-batch = 16, fine-tune-scope = operations }"));
        var architecture = EvaluationSupervisorTests.Architectures[0];
        var request = new EvaluationRequested("a/0", "a", architecture, _checkpoint.Path, _checkpoint.Sha256);
        double fresh;
        using (var first = new SupernetChildEvaluator()) fresh = first.Evaluate(request, all);

        using var evaluator = new SupernetChildEvaluator();
        var frozen = evaluator.Evaluate(request, operationsOnly);  // freezes the stem and classifier of the scratch copy
        Assert.NotEqual(fresh, frozen);
        Assert.Equal(fresh, evaluator.Evaluate(request, all));  // trainable again, from the inherited weights
    }

    [Fact]
    public void A_short_training_estimator_should_score_a_child_trained_from_scratch_reproducibly()
    {
        using var evaluator = new SupernetChildEvaluator();
        var spec = SearchSpec.Parse(_spec.Replace("a { sampler = uniform }", "a { estimator = short-training, steps = 5, batch-size = 16 }"));
        var request = new EvaluationRequested("a/0", "a", EvaluationSupervisorTests.Architectures[0], "", "");
        var score = evaluator.Evaluate(request, spec);
        Assert.InRange(score, 0, 1);
        Assert.Equal(score, evaluator.Evaluate(request, spec));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _supernet.Dispose();
        if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
    }
}
