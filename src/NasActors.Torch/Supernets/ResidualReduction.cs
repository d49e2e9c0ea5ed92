using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace NasActors.Torch.Supernets;

/// <summary>NAS-Bench-201's fixed reduction block: a stride-2 residual basic block that doubles the channels.</summary>
public sealed class ResidualReduction : Module<Tensor, Tensor>
{
    readonly Module<Tensor, Tensor> convA;
    readonly Module<Tensor, Tensor> convB;
    readonly Module<Tensor, Tensor> downsample;

    public ResidualReduction(string name, int input, int output, Operations.Norm norm) : base(name)
    {
        Input = input;
        Output = output;
        convA = Operations.ReluConvBn(input, output, kernel: 3, stride: 2, norm);
        convB = Operations.ReluConvBn(output, output, kernel: 3, stride: 1, norm);
        downsample = Sequential(("pool", AvgPool2d(kernel_size: 2, stride: 2)), ("conv", Conv2d(input, output, 1, bias: false)));
        RegisterComponents();
    }

    public int Input { get; }
    public int Output { get; }

    public override Tensor forward(Tensor input) => downsample.call(input).add(convB.call(convA.call(input)), Runtime.Scalars.One);

    /// <summary>Multiply-accumulates for an input map of H x W.</summary>
    public long Flops(int height, int width)
    {
        var (h, w) = ((height - 1) / 2 + 1, (width - 1) / 2 + 1);
        return (long)Input * Output * 9 * h * w + (long)Output * Output * 9 * h * w + (long)Input * Output * h * w;
    }
}
