using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;
using TorchSharp;
using static TorchSharp.torch;

namespace NasActors.Torch.Training;

/// <summary>Supernet training on random images held in memory: the compute of a real training step without the
/// data set, so TorchSharp and its PyTorch peer run exactly the same work.</summary>
public sealed class SyntheticTraining : IDisposable
{
    const int SampleCount = 4096;
    readonly Nb201Network _supernet;
    readonly SgdTrainer _trainer;
    readonly Tensor _images;
    readonly Tensor _labels;
    readonly Generator _batchGenerator;
    readonly int _batchSize;
    readonly Device _device;

    public SyntheticTraining(NetworkShape shape, int batchSize, long totalSteps, long seed, Device? device = null)
    {
        _batchSize = batchSize;
        _device = device ?? CPU;
        _supernet = Nb201Network.CreateSupernet(shape, seed);
        _supernet.to(_device);
        _trainer = new SgdTrainer(_supernet, SgdSettings.Supernet with { BatchSize = batchSize }, totalSteps);
        var generator = new Generator((ulong)seed);
        // Drawn on the CPU so that every device trains on the same images.
        _images = OnDevice(randn([SampleCount, shape.InputChannels, shape.ImageSize, shape.ImageSize], generator: generator));
        _labels = OnDevice(randint(0, shape.ClassCount, [SampleCount], generator: generator));
        _batchGenerator = new Generator((ulong)seed + 1);
    }

    public Nb201Network Supernet => _supernet;

    public SgdTrainer Trainer => _trainer;

    Tensor OnDevice(Tensor cpuTensor)
    {
        if (_device.type == DeviceType.CPU) return cpuTensor;
        using (cpuTensor) return cpuTensor.to(_device);
    }

    public void Step(Architecture path, long step)
    {
        using var scope = NewDisposeScope();
        var index = randint(0, SampleCount, [_batchSize], generator: _batchGenerator).to(_device);
        _trainer.Step(_images.index_select(0, index), _labels.index_select(0, index), [path], step);
    }

    public void Dispose()
    {
        _trainer.Dispose();
        _supernet.Dispose();
        _images.Dispose();
        _labels.Dispose();
        _batchGenerator.Dispose();
    }
}
