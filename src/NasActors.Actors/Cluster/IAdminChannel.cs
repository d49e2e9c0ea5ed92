namespace NasActors.Actors.Cluster;

/// <summary>Where admin commands go: an embedded node on the local journal, or a cluster through its receptionist.</summary>
public interface IAdminChannel : IAsyncDisposable
{
    /// <summary>Sends an admin command and waits for the reply; a refusal becomes a <see cref="NasException"/>.</summary>
    Task<T> AskAsync<T>(object command);
}
