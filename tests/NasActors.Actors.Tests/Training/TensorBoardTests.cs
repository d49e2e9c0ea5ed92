using System.Text;
using NasActors.Actors.Protocol;
using NasActors.Actors.Training;

namespace NasActors.Actors.Tests.Training;

/// <summary>training.tensorboard: real supernet training through the trainer actors writes event files that decode,
/// CRCs checked, to the expected scalars.</summary>
public sealed class TensorBoardTests : Akka.TestKit.Xunit2.TestKit
{
    readonly string _directory = Directory.CreateTempSubdirectory("nasactors-tb-").FullName;
    readonly string _spec;
    readonly string _events;

    public TensorBoardTests() : base("akka.test.timefactor = 10")
    {
        _events = Path.Combine(_directory, "tb");
        _spec = TinyTraining.Spec(_directory, $", tensorboard = \"{_events}\"");
    }

    [Fact]
    public void Crc32c_should_match_the_published_check_value()
    {
        // CRC32C("123456789") = 0xE3069283; masked as TFRecord does.
        var crc = 0xE3069283u;
        Assert.Equal(unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u), TensorBoardEvents.MaskedCrc(Encoding.ASCII.GetBytes("123456789")));
    }

    [Fact]
    public async Task Training_should_write_loss_throughput_learning_rate_and_gradient_norm_per_checkpoint()
    {
        var queue = Sys.ActorOf(TrainingQueue.Props(["cpu"], Path.Combine(_directory, "checkpoints")));
        queue.Tell(new TrainStrategy("tb1", "a", _spec, 1, []), TestActor);
        var middle = await ExpectMsgAsync<CheckpointSaved>();
        var final = await ExpectMsgAsync<CheckpointSaved>();
        Assert.True(final.Final);

        var folder = TensorBoardLog.FolderOf(_events, "tb1", "a");
        var file = Assert.Single(Directory.GetFiles(folder, "events.out.tfevents.*"));
        var scalars = TensorBoardEvents.Read(file).Where(v => v.Scalar is not null).ToList();
        foreach (var tag in new[] { "train/loss", "train/images_per_second", "train/learning_rate", "train/gradient_norm" })
        {
            var values = scalars.Where(v => v.Tag == tag).ToList();
            Assert.Equal([5L, 10L], values.Select(v => v.Step));
            Assert.All(values, v => Assert.True(float.IsFinite(v.Scalar!.Value) && v.Scalar > 0, $"{tag} at {v.Step}: {v.Scalar}"));
        }
        Assert.Equal(middle.MeanLoss, scalars.Single(v => v.Tag == "train/loss" && v.Step == 5).Scalar!.Value, 4);
        var rates = scalars.Where(v => v.Tag == "train/learning_rate").Select(v => v.Scalar!.Value).ToList();
        Assert.True(rates[0] <= 0.025f + 1e-6 && rates[1] < rates[0], "cosine schedule falls");

        // Resumed from the middle checkpoint: a second file in the same folder, holding the steps trained again.
        queue.Tell(new TrainStrategy("tb1", "a", _spec, 1, [new CheckpointCommitted("a", middle.Step, middle.Path, middle.Sha256)]), TestActor);
        await ExpectMsgAsync<CheckpointSaved>();
        var files = Directory.GetFiles(folder, "events.out.tfevents.*");
        Assert.Equal(2, files.Length);
        var resumed = TensorBoardEvents.Read(files.Single(f => f != file)).Where(v => v.Tag == "train/loss").ToList();
        Assert.Equal([10L], resumed.Select(v => v.Step));
    }

    [Fact]
    public void An_unwritable_folder_should_be_refused_naming_it()
    {
        var error = Assert.Throws<NasException>(() => TensorBoardLog.CheckWritable("/dev/null/tb"));
        Assert.Contains("/dev/null/tb", error.Message);
    }

    [Fact]
    public void The_estimate_vs_truth_scatter_should_be_written_as_an_image_beside_scalars()
    {
        using (var log = TensorBoardLog.Open(_events, "s", "a", 0))
        {
            using var image = TensorBoardLog.Scatter([(0.1, 0.5), (0.2, 0.7), (0.3, 0.6)]);
            Assert.Equal([1L, 96L, 96L], image.shape);
            log.Image("eval/estimate_vs_truth", image, 10);
            log.Scalar("eval/kendall_tau_vs_truth", 0.33, 10);
        }
        var values = TensorBoardEvents.Read(Assert.Single(Directory.GetFiles(TensorBoardLog.FolderOf(_events, "s", "a"), "events.out.tfevents.*")));
        Assert.Contains(values, v => v.Tag == "eval/estimate_vs_truth" && v.IsImage && v.Step == 10);
        Assert.Contains(values, v => v.Tag == "eval/kendall_tau_vs_truth" && v.Scalar is > 0.32f and < 0.34f);
    }
}
