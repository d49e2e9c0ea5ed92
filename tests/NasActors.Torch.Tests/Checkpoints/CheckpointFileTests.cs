using NasActors.Search.Spaces;
using NasActors.Torch.Checkpoints;
using NasActors.Torch.Supernets;
using NasActors.Torch.Training;

namespace NasActors.Torch.Tests.Checkpoints;

public sealed class CheckpointFileTests : IDisposable
{
    readonly string _directory = Directory.CreateTempSubdirectory("nasactors-ckpt-").FullName;
    readonly Nb201Network _network = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 1);
    readonly SgdTrainer _trainer;

    public CheckpointFileTests() => _trainer = new SgdTrainer(_network, SgdSettings.Supernet, 10);

    static TrainingState State(long step) =>
        new(step, "sampler-state", "order-state", TorchSharp.torch.get_num_threads(), new Dictionary<string, string> { ["strategy"] = "uniform" });

    [Fact]
    public void Save_should_write_atomically_and_record_the_file_hash()
    {
        var path = Path.Combine(_directory, "a.ckpt");
        var info = CheckpointFile.Save(path, _network, _trainer.Optimizer, State(5));
        Assert.Equal(CheckpointFile.Sha256(path), info.Sha256);
        Assert.Equal(5, info.Step);
        Assert.Equal(new FileInfo(path).Length, info.Bytes);
        Assert.Equal([path], Directory.GetFiles(_directory));  // no temporary file left behind
    }

    [Fact]
    public void A_full_disk_should_refuse_the_checkpoint_with_the_reason_and_keep_the_one_written_before()
    {
        var path = Path.Combine(_directory, "full.ckpt");
        var before = CheckpointFile.Save(path, _network, _trainer.Optimizer, State(5));
        // The temporary file the next save writes, made a link to /dev/full: every write to it fails with ENOSPC, as on
        // a full disk, without filling one.
        Assert.True(File.Exists("/dev/full"), "the test needs Linux's /dev/full");
        File.CreateSymbolicLink(Path.Combine(_directory, $".full.ckpt.{Environment.ProcessId}.tmp"), "/dev/full");

        var error = Assert.Throws<NasException>(() => CheckpointFile.Save(path, _network, _trainer.Optimizer, State(6)));
        Assert.Contains("could not write checkpoint", error.Message);
        Assert.Contains("No space left on device", error.Message);
        Assert.Contains("free space in", error.Message);
        Assert.Equal([path], Directory.GetFiles(_directory));  // the link written through is gone
        Assert.Equal(before.Sha256, CheckpointFile.Sha256(path));
        Assert.Equal(5, CheckpointFile.ReadState(path).Step);
    }

    [Fact]
    public void The_same_state_should_write_the_same_bytes_whatever_else_drew_from_torchs_generator()
    {
        var first = CheckpointFile.Save(Path.Combine(_directory, "first.ckpt"), _network, _trainer.Optimizer, State(5));
        using (TorchSharp.torch.rand(100)) { }  // another trainer in the process building a network, say
        var second = CheckpointFile.Save(Path.Combine(_directory, "second.ckpt"), _network, _trainer.Optimizer, State(5));
        Assert.Equal(first.Sha256, second.Sha256);
    }

    [Fact]
    public void Load_should_restore_weights_and_training_state()
    {
        var path = Path.Combine(_directory, "b.ckpt");
        var info = CheckpointFile.Save(path, _network, _trainer.Optimizer, State(7));
        using var other = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 2);
        using var otherTrainer = new SgdTrainer(other, SgdSettings.Supernet, 10);
        Assert.NotEqual(CheckpointFile.WeightsSha256(_network), CheckpointFile.WeightsSha256(other));
        var state = CheckpointFile.Load(path, info.Sha256, other, otherTrainer.Optimizer);
        Assert.Equal(CheckpointFile.WeightsSha256(_network), CheckpointFile.WeightsSha256(other));
        Assert.Equal(7, state.Step);
        Assert.Equal("sampler-state", state.SamplerState);
        Assert.Equal("order-state", state.DataOrderState);
        Assert.Equal("uniform", state.Metadata["strategy"]);
    }

    [Fact]
    public void LoadWeights_should_restore_the_weights_alone_and_refuse_a_hash_that_does_not_match()
    {
        var path = Path.Combine(_directory, "w.ckpt");
        var info = CheckpointFile.Save(path, _network, _trainer.Optimizer, State(9));
        using var other = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 3);
        var error = Assert.Throws<CorruptCheckpointException>(() => CheckpointFile.LoadWeights(path, new string('0', 64), other));
        Assert.Equal(path, error.CheckpointPath);
        Assert.NotEqual(CheckpointFile.WeightsSha256(_network), CheckpointFile.WeightsSha256(other));
        var state = CheckpointFile.LoadWeights(path, info.Sha256, other);
        Assert.Equal(CheckpointFile.WeightsSha256(_network), CheckpointFile.WeightsSha256(other));
        Assert.Equal((9L, "sampler-state"), (state.Step, state.SamplerState));
    }

    [Fact]
    public void Load_should_fill_the_networks_own_tensors_so_that_its_trainer_goes_on_training_them()
    {
        // TorchSharp's Module.load replaces a GPU module's parameters (it moves the module to the CPU and back); the
        // trainer, built before a resume, would then step tensors the network no longer uses.
        var path = Path.Combine(_directory, "resume.ckpt");
        var info = CheckpointFile.Save(path, _network, _trainer.Optimizer, State(3));
        using var other = Nb201Network.CreateSupernet(SyntheticData.Shape(), seed: 2);
        using var otherTrainer = new SgdTrainer(other, SgdSettings.Supernet, 10);
        var before = other.parameters().ToArray();

        CheckpointFile.Load(path, info.Sha256, other, otherTrainer.Optimizer);

        Assert.Equal(before, other.parameters().ToArray(), ReferenceEqualityComparer.Instance);
        var loaded = CheckpointFile.WeightsSha256(other);
        using var data = SyntheticData.Create(16);
        using (TorchSharp.torch.NewDisposeScope())
        {
            var (images, labels) = data.Batch(Enumerable.Range(0, 16).ToArray());
            otherTrainer.Step(images, labels, [Nb201Space.Instance.Parse("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|")], 3);
        }
        Assert.NotEqual(loaded, CheckpointFile.WeightsSha256(other));
    }

    [Fact]
    public void A_checkpoint_of_another_network_shape_should_be_refused_naming_the_mismatch()
    {
        var path = Path.Combine(_directory, "shape.ckpt");
        var info = CheckpointFile.Save(path, _network, _trainer.Optimizer, State(1));
        using var wider = Nb201Network.CreateSupernet(SyntheticData.Shape(channels: 6), seed: 1);

        var error = Assert.Throws<CorruptCheckpointException>(() => CheckpointFile.LoadWeights(path, info.Sha256, wider));

        Assert.Contains("shape", error.Message);
    }

    [Fact]
    public void A_checkpoint_whose_bytes_changed_should_be_refused()
    {
        var path = Path.Combine(_directory, "c.ckpt");
        var info = CheckpointFile.Save(path, _network, _trainer.Optimizer, State(1));
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<CorruptCheckpointException>(() => CheckpointFile.Load(path, info.Sha256, _network, _trainer.Optimizer));
        Assert.Contains(info.Sha256, error.Message);
        Assert.Equal(path, error.CheckpointPath);
    }

    [Fact]
    public void A_missing_checkpoint_should_be_refused()
    {
        var path = Path.Combine(_directory, "missing.ckpt");
        var error = Assert.Throws<CorruptCheckpointException>(() => CheckpointFile.Load(path, "00", _network, _trainer.Optimizer));
        Assert.Contains("does not exist", error.Message);
    }

    [Fact]
    public void A_truncated_checkpoint_should_be_refused_even_when_its_hash_matches()
    {
        var path = Path.Combine(_directory, "d.ckpt");
        CheckpointFile.Save(path, _network, _trainer.Optimizer, State(1));
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 3)]);
        Assert.Throws<CorruptCheckpointException>(() => CheckpointFile.Load(path, CheckpointFile.Sha256(path), _network, _trainer.Optimizer));
    }

    public void Dispose()
    {
        _trainer.Dispose();
        _network.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
