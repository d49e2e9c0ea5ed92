namespace NasActors.Actors.Tests.Training;

/// <summary>The spec of a tiny training (10 steps, a checkpoint every 5) on a fake Fashion-MNIST written under a folder.</summary>
internal static class TinyTraining
{
    public static string Spec(string directory, string training = "")
    {
        var data = FakeFashionMnist.Write(Directory.CreateDirectory(Path.Combine(directory, "data")).FullName);
        return $$"""
            search {
              name = tiny
              data { dataset = fashion-mnist, data-dir = "{{data}}", image-size = 8, validation-size = 100, evaluation-images = 50 }
              supernet { channels = 2, cells = 1 }
              training { steps = 10, batch-size = 32, checkpoint-every = 5, threads = 1{{training}} }
              strategies { a { sampler = uniform, seed = 1 } }
              evolution { population = 2, sample-size = 1, budget = 2 }
            }
            """;
    }
}
