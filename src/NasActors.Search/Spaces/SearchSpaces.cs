namespace NasActors.Search.Spaces;

/// <summary>The search spaces a spec or the command line can name.</summary>
public static class SearchSpaces
{
    static readonly Dictionary<string, IChoiceSpace> ByName = new(StringComparer.Ordinal)
    {
        [Nb201Space.SpaceName] = Nb201Space.Instance,
    };

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static IChoiceSpace Get(string name) =>
        ByName.TryGetValue(name, out var space)
            ? space
            : throw new NasException($"unknown search space '{name}'; known spaces: {string.Join(", ", ByName.Keys)}");
}
