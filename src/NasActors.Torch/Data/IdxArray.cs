namespace NasActors.Torch.Data;

/// <summary>The contents of an IDX file of unsigned bytes: its dimensions, outermost first, and its values in row-major order.</summary>
public sealed record IdxArray(int[] Dimensions, byte[] Data)
{
    /// <summary>How many values the dimensions describe (the product of all of them).</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (product, dimension) => product * dimension);
}
