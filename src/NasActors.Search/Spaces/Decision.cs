namespace NasActors.Search.Spaces;

/// <summary>One choice a search space asks for (an edge of a cell, a layer's kernel size) and its options.</summary>
public sealed record Decision(string Name, IReadOnlyList<string> Options)
{
    public int OptionCount => Options.Count;
}
