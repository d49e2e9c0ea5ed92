using System.Collections.Concurrent;
using NasActors.Actors.Runs;
using NasActors.Torch.Data;

namespace NasActors.Actors.Training;

/// <summary>Data sets loaded once per process and shared by its trainers and evaluators (read-only tensors).</summary>
public static class TrainingData
{
    static readonly ConcurrentDictionary<(string, string?, int, int), Lazy<(ImageDataset Train, DataSplit Split)>> Loaded = new();

    public static (ImageDataset Train, DataSplit Split) For(DataSpec data)
    {
        var key = (data.Dataset, data.Directory, data.ImageSize, data.ValidationSize);
        var loading = Loaded.GetOrAdd(key, _ => new(() =>
        {
            var (train, test) = DataSets.Load(data.Dataset, data.Directory, data.ImageSize);
            test.Dispose();  // the test set serves ground truth only, never a search
            return (train, DataSplit.Create(train.Count, data.ValidationSize, 0));
        }));
        try
        {
            return loading.Value;
        }
        catch
        {
            // A failed load (files missing) is not remembered: the next job tries again once the files are there.
            Loaded.TryRemove(KeyValuePair.Create(key, loading));
            throw;
        }
    }
}
