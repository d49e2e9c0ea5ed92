using System.Collections.Concurrent;

namespace NasActors.Search.Spaces;

/// <summary>A space's distinct functions: its architectures grouped by canonical form, each with how many strings of
/// the space compute it. Built once per space (15,625 canonicalisations for nb201, about 20 ms) and shared.</summary>
public sealed class CanonicalForms
{
    static readonly ConcurrentDictionary<string, CanonicalForms> BySpace = new(StringComparer.Ordinal);

    readonly Dictionary<Architecture, int> _aliases;

    CanonicalForms(IChoiceSpace space)
    {
        _aliases = new Dictionary<Architecture, int>();
        for (long index = 0; index < space.Size; index++)
        {
            var canonical = space.Canonicalize(Architecture.FromIndex(space, index));
            _aliases[canonical] = _aliases.GetValueOrDefault(canonical) + 1;
        }
        // Index order, so that anything drawn from this list is the same from run to run.
        Distinct = _aliases.Keys.OrderBy(a => a.Index).ToArray();
    }

    /// <summary>The canonical forms of a space that has them; a <see cref="NasException"/> for one that does not.</summary>
    public static CanonicalForms Of(IChoiceSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (!space.HasCanonicalForms)
            throw new NasException($"search space '{space.Name}' has no canonical forms: it cannot tell which architectures compute the same function");
        return BySpace.GetOrAdd(space.Name, _ => new CanonicalForms(space));
    }

    /// <summary>One architecture per distinct function (its canonical form), in index order.</summary>
    public IReadOnlyList<Architecture> Distinct { get; }

    /// <summary>How many architectures of the space compute the same function as <paramref name="architecture"/>.</summary>
    public int AliasCount(Architecture architecture) => _aliases[architecture.Space.Canonicalize(architecture)];
}
