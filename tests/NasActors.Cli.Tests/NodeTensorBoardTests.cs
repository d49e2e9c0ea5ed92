namespace NasActors.Cli.Tests;

/// <summary><c>nas node --tensorboard DIR</c>: every search the node runs writes its event files there, Kendall tau over
/// training included when its checkpoints score the ground truth.</summary>
public sealed class NodeTensorBoardTests : IDisposable
{
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_node_with_tensorboard_should_log_training_and_kendall_tau_over_checkpoints_for_a_journaled_search()
    {
        var state = _temp.File("state");
        var spec = TinySearch.Write(_temp);
        File.WriteAllText(spec, File.ReadAllText(spec).Replace("evolution {", "evaluation { probe-checkpoints = on }\n  evolution {"));
        var start = await NasProcess.RunAsync(["search", "start", "--spec", spec, "--state-dir", state]);
        NasAssert.Succeeded(start);
        var id = Assert.Single(start.StdoutLines);
        var events = _temp.File("tb");

        var node = await NasProcess.RunAsync(["node", "--state-dir", state, "--until-idle", "--poll", "0.5", "--tensorboard", events]);

        NasAssert.Succeeded(node);
        foreach (var strategy in new[] { "a", "b" })
        {
            var training = Directory.GetFiles(Path.Combine(events, id, strategy), "events.out.tfevents.*").SelectMany(TensorBoardEvents.Read).ToList();
            Assert.Contains(training, v => v.Tag == "train/loss" && v.Step == 10 && float.IsFinite(v.Scalar!.Value));
            var evaluation = Directory.GetFiles(Path.Combine(events, id, strategy, "evaluation"), "events.out.tfevents.*").SelectMany(TensorBoardEvents.Read).ToList();
            // Checkpoints at steps 5 and 10: the one before the final weights scored the three ground-truth cells.
            var tau = Assert.Single(evaluation, v => v.Tag == "eval/kendall_tau_over_training");
            Assert.Equal(5, tau.Step);
            Assert.InRange(tau.Scalar!.Value, -1f, 1f);
        }
    }

    [Fact]
    public async Task Tensorboard_on_a_trainer_node_should_be_refused_naming_the_coordinator()
    {
        var run = await NasProcess.RunAsync(["node", "--roles", "trainer", "--device", "cpu", "--port", "0", "--seed-nodes", "127.0.0.1:1",
                                             "--state-dir", _temp.File("state"), "--tensorboard", _temp.File("tb")]);

        NasAssert.UsageError(run, "--tensorboard is for a coordinator");
    }
}
