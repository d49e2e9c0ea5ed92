using TorchSharp;

namespace NasActors.Torch.Runtime;

/// <summary>Scalars that live as long as the process. TorchSharp turns a number into a native Scalar with a finalizer
/// and passes only its handle to libtorch, so a temporary one (e.g. the alpha of <c>a + b</c>) can be finalized on the
/// GC's thread while libtorch still reads it: with several trainers allocating on several threads, a node crashed in
/// <c>c10::Scalar::toFloat</c> this way. A static root is never finalized; other scalars are created with <c>using</c>,
/// which keeps them alive until the call returns. TorchSharp's overloads without an alpha (<c>add(Tensor)</c>,
/// <c>add(Scalar)</c>, <c>add_(Tensor)</c>) and <c>square()</c> make such temporaries themselves: pass the alpha or
/// exponent from here instead.</summary>
internal static class Scalars
{
    public static readonly Scalar One = 1.ToScalar();

    /// <summary>The exponent of a square: TorchSharp's own <c>square()</c> makes a temporary one.</summary>
    public static readonly Scalar Two = 2.ToScalar();

    /// <summary>BatchNorm's epsilon, for standardising by a variance that may be 0.</summary>
    public static readonly Scalar Epsilon = 1e-5.ToScalar();
}
