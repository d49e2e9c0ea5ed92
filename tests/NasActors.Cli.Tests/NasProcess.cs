using System.Diagnostics;

namespace NasActors.Cli.Tests;

/// <summary>What one run of the <c>nas</c> program left behind: its exit code and everything it printed.</summary>
public sealed record NasRun(int ExitCode, string Stdout, string Stderr)
{
    public string[] StdoutLines => Lines(Stdout);

    public string[] StderrLines => Lines(Stderr);

    /// <summary>The stderr lines that report an error, as the program prints them (<c>error: ...</c>).</summary>
    public string[] ErrorLines => StderrLines.Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToArray();

    public override string ToString() => $"exit code {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";

    static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Starts the real <c>nas</c> program (nas.dll, built beside the tests) as a child process.</summary>
public static class NasProcess
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    static string Program => Path.Combine(AppContext.BaseDirectory, "nas.dll");

    public static Task<NasRun> RunAsync(params string[] arguments) => RunAsync(DefaultTimeout, arguments);

    /// <summary>How to start <c>dotnet nas.dll arguments</c>, output redirected, with the environment tests need.</summary>
    public static ProcessStartInfo StartInfo(string[] arguments)
    {
        Assert.True(File.Exists(Program), $"{Program} is missing: the test project must reference NasActors.Cli");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Program);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // libtorch's AVX-512 oneDNN kernels give NaN gradients on the test machines; the cap must be in place before it loads.
        start.Environment["ONEDNN_MAX_CPU_ISA"] = "AVX2";
        // Numbers such as 15,625 are formatted with the current culture: pin it, whatever the developer's locale.
        start.Environment["LC_ALL"] = "C.UTF-8";
        start.Environment["LANG"] = "C.UTF-8";
        return start;
    }

    /// <summary>Reads a started process's output until a line matches <paramref name="pattern"/> (a regular expression);
    /// fails after the default timeout.</summary>
    public static async Task<string> WaitForLineAsync(Process process, string pattern)
    {
        using var deadline = new CancellationTokenSource(DefaultTimeout);
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            if (System.Text.RegularExpressions.Regex.IsMatch(line, pattern)) return line;
        Assert.Fail($"the process ended without printing a line matching '{pattern}'");
        return "";
    }

    /// <summary>Runs <c>dotnet nas.dll arguments</c>; kills the whole process tree and fails the test after <paramref name="timeout"/>.</summary>
    public static async Task<NasRun> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        var start = StartInfo(arguments);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"nas {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s and was killed\n" +
                        $"--- stdout ---\n{await stdout}\n--- stderr ---\n{await stderr}");
        }
        return new NasRun(process.ExitCode, await stdout, await stderr);
    }
}
