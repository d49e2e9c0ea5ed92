using System.Diagnostics;
using System.Text.RegularExpressions;

namespace NasActors.Cli.Tests;

/// <summary>docker/compose.yaml as Debian's docker-compose resolves it (no engine needed; ./nas test installs it): it
/// validates, the coordinator waits for a healthy PostgreSQL, and each node's health check asks /readyz on the port its
/// own command serves, a command the CLI takes.</summary>
public sealed partial class ComposeFileTests
{
    /// <summary>One service of the resolved file: its command's arguments, its health check's arguments, and the
    /// services it waits for to be healthy.</summary>
    sealed record Service(List<string> Command, List<string> HealthCheck, List<string> WaitsForHealthy);

    /// <summary>`docker-compose config` prints the file normalised (two-space YAML, one list item a line): read the
    /// parts these tests need from it.</summary>
    static Dictionary<string, Service> Resolve()
    {
        var start = new ProcessStartInfo("docker-compose") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-f", ReadmeCommands.RepositoryFile("docker/compose.yaml"), "config" }) start.ArgumentList.Add(argument);
        start.Environment["NAS_ADMIN_TOKEN"] = "compose-test-token";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"docker-compose config refused docker/compose.yaml: {error}");

        var services = new Dictionary<string, Service>();
        Service? service = null;
        List<string>? list = null;
        string? dependency = null;
        var inServices = false;
        foreach (var line in output.Result.Split('\n'))
        {
            if (!line.StartsWith(' ')) inServices = line == "services:";
            if (!inServices) continue;
            if (ServiceLine().Match(line) is { Success: true } named) services[named.Groups[1].Value] = service = new([], [], []);
            else if (service is null) continue;
            else if (line == "    command:") list = service.Command;
            else if (line == "      test:") list = service.HealthCheck;
            else if (DependencyLine().Match(line) is { Success: true } depends) dependency = depends.Groups[1].Value;
            else if (line == "        condition: service_healthy" && dependency is not null) service.WaitsForHealthy.Add(dependency);
            else if (ItemLine().Match(line) is { Success: true } item && list is not null && line.StartsWith(list == service.Command ? "    - " : "      - ", StringComparison.Ordinal))
                list.Add(item.Groups[1].Value.Trim('\''));
            else list = null;
        }
        return services;
    }

    [Fact]
    public void The_coordinator_should_start_once_PostgreSQL_answers_pg_isready_and_the_others_once_the_coordinator_is_ready()
    {
        var services = Resolve();
        Assert.Contains("pg_isready", services["postgres"].HealthCheck);
        Assert.Equal(["postgres"], services["coordinator"].WaitsForHealthy);
        foreach (var other in new[] { "trainer-0", "trainer-1", "console" })
            Assert.Equal(["coordinator"], services[other].WaitsForHealthy);
    }

    [Theory]
    [InlineData("coordinator", "--dashboard-port")]
    [InlineData("trainer-0", "--metrics-port")]
    [InlineData("trainer-1", "--metrics-port")]
    public void A_node_should_check_its_own_readyz_on_the_port_its_command_serves_to_every_interface(string name, string portOption)
    {
        var service = Resolve()[name];
        var command = service.Command;
        Assert.Empty(Program.CreateRoot().Parse(command.ToArray()).Errors);
        var port = command[command.IndexOf(portOption) + 1];
        Assert.Equal("0.0.0.0", command[command.IndexOf("--http-address") + 1]);
        Assert.Equal(["CMD", "curl", "-fsS", "-o", "/dev/null", $"http://127.0.0.1:{port}/readyz"], service.HealthCheck);
    }

    [Theory]
    [InlineData("docker/Dockerfile")]
    [InlineData("docker/Dockerfile.cuda")]
    public void The_images_should_have_curl_for_the_health_checks(string dockerfile) =>
        Assert.Matches(@"(?m)^RUN apt-get update && .*apt-get install -y --no-install-recommends [^\n]*\bcurl\b", File.ReadAllText(ReadmeCommands.RepositoryFile(dockerfile)));

    [GeneratedRegex(@"^  ([a-z0-9-]+):$")]
    private static partial Regex ServiceLine();

    [GeneratedRegex(@"^      ([a-z0-9-]+):$")]
    private static partial Regex DependencyLine();

    [GeneratedRegex(@"^\s+- (.*)$")]
    private static partial Regex ItemLine();
}
