using NasActors.Actors.Runs;
using NasActors.Search.Spaces;
using NasActors.Torch.Supernets;

namespace NasActors.Actors.Training;

/// <summary>The supernet a strategy trains, and its evaluators load: one NB201 supernet, or a few-shot one that splits.</summary>
public static class StrategySupernet
{
    public static PathNetwork Create(SearchSpec spec, StrategySpec strategy, NetworkShape shape, long seed) =>
        strategy.FewShotPlan(SearchSpaces.Get(spec.Space)) is { } plan
            ? new FewShotSupernet(shape, seed, plan)
            : Nb201Network.CreateSupernet(shape, seed);
}
