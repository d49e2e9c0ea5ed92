using Akka.Actor;
using NasActors.Actors.Protocol;
using NasActors.Actors.Runs;

namespace NasActors.Actors.Tests.Runs;

public sealed class RankingActorTests : Akka.TestKit.Xunit2.TestKit
{
    readonly string _truth = Path.GetTempFileName();

    static readonly string[] Architectures =
    [
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
        "|skip_connect~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|",
        "|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|avg_pool_3x3~2|",
    ];

    public RankingActorTests()
    {
        File.WriteAllLines(_truth, ["arch,seed,epochs,test_accuracy,validation_accuracy,params,flops,seconds,channels,cells,image_size,train_images",
            .. Architectures.Select((a, i) => $"{a},1,1,{0.9 - 0.1 * i},0.5,1,1,1,2,1,8,300")]);
    }

    [Fact]
    public async Task It_should_rank_what_was_scored_and_publish_each_change()
    {
        var ranking = Sys.ActorOf(RankingActor.Props("s1", _truth, "nb201"));
        Sys.EventStream.Subscribe(TestActor, typeof(RankingUpdated));

        ranking.Tell(new RankingActor.Reset(["a", "b"], [new ScoredChild("a", Architectures[0], 0.5, Probe: false)]));
        Assert.Single((await ExpectMsgAsync<RankingUpdated>()).Ranking.Strategies[0].Leaderboard);
        // Strategy a ranks the ground truth exactly, b exactly backwards.
        for (var i = 0; i < 3; i++)
        {
            ranking.Tell(new ScoredChild("a", Architectures[i], 0.6 - 0.1 * i, Probe: true));
            ranking.Tell(new ScoredChild("b", Architectures[i], 0.4 + 0.1 * i, Probe: true));
        }
        for (var i = 0; i < 6; i++) await ExpectMsgAsync<RankingUpdated>();

        ranking.Tell(new GetRanking("s1", 5), TestActor);
        var result = await ExpectMsgAsync<SearchRanking>();
        Assert.Equal(1.0, result.Strategies[0].KendallTau);
        Assert.Equal(-1.0, result.Strategies[1].KendallTau);
        // a hands back the table's best, b its worst.
        Assert.Equal((1.0, 0.0), (result.Strategies[0].Top1Percentile!.Value, result.Strategies[1].Top1Percentile!.Value));
        Assert.Equal(3, result.Strategies[1].Probed);
        Assert.Equal(0.9, Assert.Single(result.Strategies[0].Leaderboard).TrueAccuracy!.Value, 9);
    }

    [Fact]
    public async Task A_leaderboard_should_hold_one_row_per_function_in_its_canonical_form()
    {
        var ranking = Sys.ActorOf(RankingActor.Props("s3", _truth, "nb201"));
        // Two strings of the identity cell (ops on edges that never reach the output differ) and one other cell.
        string[] identity = ["|none~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|", "|nor_conv_1x1~0|+|avg_pool_3x3~0|avg_pool_3x3~1|+|skip_connect~0|none~1|none~2|"];
        ranking.Tell(new RankingActor.Reset(["a"], [
            new ScoredChild("a", identity[1], 0.727, Probe: false),
            new ScoredChild("a", identity[0], 0.727, Probe: false),
            new ScoredChild("a", Architectures[0], 0.5, Probe: false),
        ]));
        ranking.Tell(new GetRanking("s3", 10), TestActor);
        var leaderboard = (await ExpectMsgAsync<SearchRanking>()).Strategies[0].Leaderboard;
        Assert.Equal([identity[0], Architectures[0]], leaderboard.Select(c => c.Architecture));
        var aliases = Enumerable.Range(0, 15_625).Count(i =>
            Search.Spaces.Nb201Space.Instance.Canonicalize(Search.Spaces.Architecture.FromIndex(Search.Spaces.Nb201Space.Instance, i)).ToString() == identity[0]);
        Assert.Equal((aliases, 1), (leaderboard[0].Aliases, leaderboard[1].Aliases));
        Assert.True(aliases > 1);
    }

    [Fact]
    public async Task An_unreadable_ground_truth_should_be_named_when_the_ranking_is_asked_for()
    {
        var ranking = Sys.ActorOf(RankingActor.Props("s2", "/nowhere/truth.csv", "nb201"));
        ranking.Tell(new GetRanking("s2", 5), TestActor);
        Assert.Contains("/nowhere/truth.csv", (await ExpectMsgAsync<CommandRejected>()).Reason);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        File.Delete(_truth);
    }
}
