namespace NasActors.Cli.Tests;

/// <summary>Search specs small enough for tests: two strategies on the fake data set, ten steps each.</summary>
public static class TinySearch
{
    /// <summary>A tiny search on the fake data set, with a three-architecture ground truth.</summary>
    public static string Write(TempDirectory temp, string extraStrategies = "")
    {
        var data = FakeFashionMnist.Write(Directory.CreateDirectory(temp.File("data")).FullName);
        var truth = temp.File("truth.csv");
        var rows = new[]
        {
            ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|", 0.91),
            ("|skip_connect~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|", 0.88),
            ("|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|avg_pool_3x3~2|", 0.70),
        };
        File.WriteAllLines(truth, ["arch,seed,epochs,test_accuracy,validation_accuracy,params,flops,seconds,channels,cells,image_size,train_images",
            .. rows.SelectMany(r => new[] { 1, 2 }.Select(seed => $"{r.Item1},{seed},1,{r.Item2},{r.Item2},1,1,1,2,1,8,300"))]);
        var spec = temp.File("tiny.conf");
        File.WriteAllText(spec, $$"""
            search {
              name = tiny
              data { dataset = fashion-mnist, data-dir = "{{data}}", image-size = 8, validation-size = 100, evaluation-images = 100 }
              supernet { channels = 2, cells = 1 }
              training { steps = 10, batch-size = 32, checkpoint-every = 5, threads = 1 }
              strategies {
                a { sampler = uniform, seed = 1 }
                b { sampler = uniform, seed = 2 }
                {{extraStrategies}}
              }
              evolution { population = 2, sample-size = 1, budget = 4 }
              ground-truth = "{{truth}}"
            }
            """);
        return spec;
    }
}
