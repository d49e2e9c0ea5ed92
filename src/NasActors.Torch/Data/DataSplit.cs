using NasActors.Search.Randomness;

namespace NasActors.Torch.Data;

/// <summary>Deterministic split of a training set into supernet-train and validation (child-model evaluation) indices;
/// the official test set stays for ground truth only.</summary>
public sealed record DataSplit(int[] Train, int[] Validation)
{
    /// <summary>Shuffles 0..count-1 with <paramref name="seed"/>; the first <paramref name="validationCount"/> become
    /// Validation, the rest Train, each sorted ascending.</summary>
    public static DataSplit Create(int count, int validationCount, ulong seed)
    {
        if (count < 2)
            throw new NasException($"cannot split {count} training images into train and validation: at least 2 are needed");
        if (validationCount < 1 || validationCount > count - 1)
            throw new NasException(
                $"validation count {validationCount} is out of range: it must be between 1 and {count - 1} " +
                $"(the training set has {count} images and both parts need at least one)");

        // The project's own generator, not System.Random, whose algorithm may change between .NET versions:
        // a split that changed would mix validation images into a resumed run's supernet training.
        var order = new Rng(seed).Permutation(count);

        var validation = order[..validationCount];
        var train = order[validationCount..];
        Array.Sort(validation);
        Array.Sort(train);
        return new DataSplit(train, validation);
    }

    /// <summary>A smaller training part: <paramref name="count"/> of its images, drawn with <paramref name="seed"/>
    /// (sorted; validation unchanged), the same for every architecture and training seed, so that stand-alone runs
    /// can train on a data subset and still be compared.</summary>
    public DataSplit WithTrainingSubset(int count, ulong seed)
    {
        if (count < 1 || count > Train.Length)
            throw new NasException($"a training subset of {count} images is out of range: it must be between 1 and {Train.Length} " +
                                   "(the images left for training after validation)");
        if (count == Train.Length) return this;
        var order = new Rng(Rng.DeriveSeed(seed, "training-subset")).Permutation(Train.Length);
        var subset = order[..count].Select(position => Train[position]).ToArray();
        Array.Sort(subset);
        return this with { Train = subset };
    }
}
