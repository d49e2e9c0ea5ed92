using NasActors.Search.Spaces;

namespace NasActors.Search.Sampling;

/// <summary>The path-sampling strategies a search spec can name; a new strategy is one more entry here.</summary>
public static class Samplers
{
    static readonly Dictionary<string, Func<IChoiceSpace, ulong, IPathSampler>> ByName = new(StringComparer.Ordinal)
    {
        [UniformSampler.Name] = (space, seed) => new UniformSampler(space, seed),
    };

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static bool IsKnown(string name) => ByName.ContainsKey(name);

    public static IPathSampler Create(string name, IChoiceSpace space, ulong seed) =>
        ByName.TryGetValue(name, out var create)
            ? create(space, seed)
            : throw new NasException($"unknown strategy '{name}'; known strategies: {string.Join(", ", ByName.Keys)}");
}
