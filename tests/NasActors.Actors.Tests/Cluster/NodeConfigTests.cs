using Akka.Configuration;
using NasActors.Actors.Cluster;

namespace NasActors.Actors.Tests.Cluster;

public sealed class NodeConfigTests
{
    [Fact]
    public void The_shipped_node_conf_should_give_two_cpu_trainers_one_evaluator_and_sqlite_in_the_node_folder()
    {
        var config = NodeConfig.Load();
        Assert.Equal(["cpu", "cpu"], config.Devices);
        Assert.Equal(1, config.Evaluators);
        Assert.Equal(".nas/node", config.StateDirectory);
        Assert.Null(config.Journal);
        var settings = config.ToSettings();
        Assert.Equal(Path.Combine(".nas/node", "checkpoints"), settings.CheckpointDirectory);
    }

    [Fact]
    public void A_users_file_should_override_only_what_it_names()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "nas.node { devices = [\"cuda:0\", \"cuda:1\"], poll = 0.5 }");
            var config = NodeConfig.Load(file);
            Assert.Equal(["cuda:0", "cuda:1"], config.Devices);
            Assert.Equal(0.5, config.PollSeconds);
            Assert.Equal(1, config.Evaluators);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("devices = [gpu0]", "nas.node.devices = gpu0", "cpu or cuda:N")]
    [InlineData("devices = []", "nas.node.devices = []", "at least one device")]
    [InlineData("evaluators = 0", "nas.node.evaluators = 0", "at least 1")]
    [InlineData("poll = soon", "nas.node.poll = soon", "positive number")]
    [InlineData("log-level = LOUD", "nas.node.log-level = LOUD", "DEBUG, INFO, WARNING or ERROR")]
    [InlineData("log-format = xml", "nas.node.log-format = xml", "text or json")]
    public void A_bad_setting_should_be_refused_naming_it_and_the_file(string setting, string names, string expected)
    {
        var shipped = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "node.conf")));
        var config = ConfigurationFactory.ParseString($"nas.node {{ {setting} }}").WithFallback(shipped);
        var error = Assert.Throws<NasException>(() => NodeConfig.From(config, "my-node.conf"));
        Assert.Contains("my-node.conf", error.Message);
        Assert.Contains(names, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_missing_file_should_be_named()
    {
        Assert.Contains("nowhere.conf", Assert.Throws<NasException>(() => NodeConfig.Load("nowhere.conf")).Message);
    }
}
