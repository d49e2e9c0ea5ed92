using NasActors.Search.Randomness;

namespace NasActors.Search.Spaces;

/// <summary>A search space as a list of decisions, each with its options; samplers and actors see only this.</summary>
public interface IChoiceSpace
{
    /// <summary>The name a search spec uses (e.g. "nb201").</summary>
    string Name { get; }

    IReadOnlyList<Decision> Decisions { get; }

    /// <summary>Number of architectures: the product of the decisions' option counts.</summary>
    long Size { get; }

    /// <summary>Parses the space's own notation; a malformed string gives a <see cref="NasException"/> naming the bad part.</summary>
    Architecture Parse(string text);

    /// <summary>Prints the space's own notation (the inverse of <see cref="Parse"/>).</summary>
    string Format(Architecture architecture);

    /// <summary>The form shared by all architectures that compute the same function (for de-duplication).</summary>
    Architecture Canonicalize(Architecture architecture);

    /// <summary>Whether <see cref="Canonicalize"/> merges architectures that compute the same function; a space
    /// without canonical forms returns each architecture as it is, and cannot sample over distinct functions.</summary>
    bool HasCanonicalForms => false;

    /// <summary>The function an architecture in the space's notation computes: its canonical form's notation where the
    /// space has canonical forms, the text itself otherwise.</summary>
    string FunctionOf(string architecture) => HasCanonicalForms ? Canonicalize(Parse(architecture)).ToString() : architecture;

    /// <summary>The child with the most computation: the upper end of sandwich sampling.</summary>
    Architecture Largest { get; }

    /// <summary>The cheapest child that still computes its output: the lower end of sandwich sampling.</summary>
    Architecture Smallest { get; }
}
