namespace NasActors.Cli.Tests;

/// <summary>Fake Fashion-MNIST and one complete ground-truth table (2 architectures x 2 seeds) made from it by <c>nas groundtruth</c>,
/// shared by the ground-truth tests; each test works on its own copy of the table.</summary>
public sealed class GroundTruthTableFixture : IAsyncLifetime
{
    readonly TempDirectory _temp = new();

    public string DataDirectory => _temp.File("data");

    public string Table => _temp.File("complete.csv");

    /// <summary>The run that made <see cref="Table"/>.</summary>
    public NasRun FirstRun { get; private set; } = null!;

    /// <summary>The groundtruth command line that writes to <paramref name="output"/>, as the fixture ran it.</summary>
    public string[] Command(string output, string epochs = "1") =>
        ["groundtruth", "--archs", "2", "--seeds", "2", "--out", output, .. TinyTraining.Options(DataDirectory), "--epochs", epochs];

    public async Task InitializeAsync()
    {
        FakeFashionMnist.Write(Directory.CreateDirectory(DataDirectory).FullName);
        FirstRun = await NasProcess.RunAsync(Command(Table));
    }

    public Task DisposeAsync()
    {
        _temp.Dispose();
        return Task.CompletedTask;
    }
}
