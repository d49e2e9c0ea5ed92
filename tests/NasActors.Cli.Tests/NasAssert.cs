namespace NasActors.Cli.Tests;

/// <summary>What every run of <c>nas</c> must look like when it succeeds, and when the user got something wrong.</summary>
public static class NasAssert
{
    public static void Succeeded(NasRun run)
    {
        Assert.True(run.ExitCode == 0, $"expected exit code 0\n{run}");
        Assert.True(run.ErrorLines.Length == 0, $"expected no error lines\n{run}");
    }

    /// <summary>Exit code 2, one <c>error:</c> line on stderr that mentions each of <paramref name="mentions"/>,
    /// no stack trace, and nothing on stdout.</summary>
    public static string UsageError(NasRun run, params string[] mentions)
    {
        Assert.True(run.ExitCode == 2, $"expected exit code 2\n{run}");
        Assert.True(run.ErrorLines.Length == 1, $"expected exactly one 'error:' line\n{run}");
        Assert.True(run.Stdout.Length == 0, $"expected nothing on stdout\n{run}");
        Assert.DoesNotContain(run.StderrLines, l => l.StartsWith("at ", StringComparison.Ordinal) || l.Contains("Exception"));
        var error = run.ErrorLines[0];
        foreach (var mention in mentions) Assert.Contains(mention, error);
        return error;
    }
}
