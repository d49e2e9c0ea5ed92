namespace NasActors.Actors.Protocol;

/// <summary>Admin commands to the search manager that are not about one existing run.</summary>
public sealed record CreateSearch(string SpecText, int Threads);

/// <summary>Reply to <see cref="CreateSearch"/>: the new run's id.</summary>
public sealed record SearchCreated(string SearchId, string Name, DateTimeOffset At);

public sealed record ListSearches
{
    public static ListSearches Instance { get; } = new();
}

/// <summary>Every search the manager knows, newest last, with its status.</summary>
public sealed record SearchList(IReadOnlyList<SearchStatus> Searches);
