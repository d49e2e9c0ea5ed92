using NasActors.Search.Spaces;

namespace NasActors.Search.Tests.Spaces;

public sealed class Nb201SpaceTests
{
    const string Example = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|";

    static readonly Nb201Space Space = Nb201Space.Instance;

    // Option indices, in NAS-Bench-201's operation order.
    const int None = 0, Skip = 1, Conv1 = 2, Conv3 = 3, Pool = 4;

    static Architecture Arch(params int[] choices) => new(Space, choices);

    [Fact]
    public void Size_should_be_five_operations_on_six_edges()
    {
        Assert.Equal(15_625, Space.Size);
        Assert.Equal("nb201", Space.Name);
    }

    [Fact]
    public void Decisions_should_be_the_six_edges_each_with_the_five_operations()
    {
        Assert.Equal(["1<-0", "2<-0", "2<-1", "3<-0", "3<-1", "3<-2"], Space.Decisions.Select(d => d.Name));
        Assert.All(Space.Decisions, d =>
        {
            Assert.Equal(5, d.OptionCount);
            Assert.Equal(["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"], d.Options);
        });
    }

    [Fact]
    public void EdgeIndex_should_follow_the_string_order_of_edges()
    {
        for (var e = 0; e < Nb201Space.Edges.Count; e++)
            Assert.Equal(e, Nb201Space.EdgeIndex(Nb201Space.Edges[e].To, Nb201Space.Edges[e].From));
        Assert.Equal(5, Nb201Space.EdgeIndex(3, 2));
    }

    [Fact]
    public void Parse_should_read_each_edge_operation_of_the_example()
    {
        var architecture = Space.Parse(Example);

        Assert.Equal("nor_conv_3x3", architecture.OptionAt(Nb201Space.EdgeIndex(1, 0)));
        Assert.Equal("none", architecture.OptionAt(Nb201Space.EdgeIndex(2, 0)));
        Assert.Equal("skip_connect", architecture.OptionAt(Nb201Space.EdgeIndex(2, 1)));
        Assert.Equal("nor_conv_1x1", architecture.OptionAt(Nb201Space.EdgeIndex(3, 0)));
        Assert.Equal("avg_pool_3x3", architecture.OptionAt(Nb201Space.EdgeIndex(3, 1)));
        Assert.Equal("none", architecture.OptionAt(Nb201Space.EdgeIndex(3, 2)));
        Assert.Equal([Conv3, None, Skip, Conv1, Pool, None], architecture.Choices);
    }

    [Fact]
    public void Parse_should_ignore_surrounding_whitespace()
    {
        Assert.Equal(Space.Parse(Example), Space.Parse("  " + Example + "\n"));
    }

    [Fact]
    public void Format_should_print_the_example_back_unchanged()
    {
        Assert.Equal(Example, Space.Format(Space.Parse(Example)));
        Assert.Equal(Example, Space.Parse(Example).ToString());
    }

    [Fact]
    public void Parse_should_invert_Format_and_Index_invert_FromIndex_for_every_architecture()
    {
        var texts = new HashSet<string>();
        for (long i = 0; i < Space.Size; i++)
        {
            var architecture = Architecture.FromIndex(Space, i);
            var text = Space.Format(architecture);
            var parsed = Space.Parse(text);
            Assert.Equal(architecture, parsed);
            Assert.Equal(i, parsed.Index);
            texts.Add(text);
        }
        Assert.Equal(15_625, texts.Count);
    }

    [Fact]
    public void Parse_should_reject_unknown_operation_naming_it()
    {
        var error = Assert.Throws<NasException>(() =>
            Space.Parse("|nor_conv_5x5~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|"));

        Assert.Contains("unknown operation 'nor_conv_5x5'", error.Message);
        Assert.Contains("nor_conv_3x3", error.Message); // lists the known ones
    }

    [Fact]
    public void Parse_should_reject_a_wrong_input_index_naming_the_token()
    {
        var error = Assert.Throws<NasException>(() =>
            Space.Parse("|nor_conv_3x3~1|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|"));

        Assert.Contains("'nor_conv_3x3~1'", error.Message);
        Assert.Contains("input 0", error.Message);
    }

    [Fact]
    public void Parse_should_reject_inputs_given_out_of_order()
    {
        var error = Assert.Throws<NasException>(() =>
            Space.Parse("|nor_conv_3x3~0|+|skip_connect~1|none~0|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|"));

        Assert.Contains("'skip_connect~1'", error.Message);
        Assert.Contains("node 2", error.Message);
    }

    [Fact]
    public void Parse_should_reject_a_token_without_input_index_naming_it()
    {
        var error = Assert.Throws<NasException>(() =>
            Space.Parse("|nor_conv_3x3|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|"));

        Assert.Contains("'nor_conv_3x3'", error.Message);
    }

    [Fact]
    public void Parse_should_reject_a_missing_node_group_saying_how_many_were_found()
    {
        var error = Assert.Throws<NasException>(() =>
            Space.Parse("|nor_conv_3x3~0|+|none~0|skip_connect~1|"));

        Assert.Contains("'+'", error.Message);
        Assert.Contains("found 2", error.Message);
    }

    [Fact]
    public void Parse_should_reject_a_missing_leading_bar_naming_the_group()
    {
        var error = Assert.Throws<NasException>(() =>
            Space.Parse("nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|"));

        Assert.Contains("node 1's group 'nor_conv_3x3~0|'", error.Message);
        Assert.Contains("'|'", error.Message);
    }

    [Fact]
    public void Parse_should_reject_a_missing_trailing_bar_naming_the_group()
    {
        var error = Assert.Throws<NasException>(() =>
            Space.Parse("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2"));

        Assert.Contains("node 3's group", error.Message);
    }

    [Theory]
    [InlineData("|nor_conv_3x3~0|+|none~0|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|", "node 2", "found 1")]
    [InlineData("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|none~3|", "node 3", "found 4")]
    [InlineData("|nor_conv_3x3~0|none~1|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|", "node 1", "found 2")]
    public void Parse_should_reject_a_wrong_number_of_inputs_naming_the_node(string text, string node, string found)
    {
        var error = Assert.Throws<NasException>(() => Space.Parse(text));

        Assert.Contains(node, error.Message);
        Assert.Contains(found, error.Message);
    }

    [Fact]
    public void Parse_errors_should_quote_the_whole_string_and_show_an_example()
    {
        const string text = "|conv~0|+|none~0|skip_connect~1|+|nor_conv_1x1~0|avg_pool_3x3~1|none~2|";

        var error = Assert.Throws<NasException>(() => Space.Parse(text));

        Assert.Contains($"'{text}'", error.Message);
        Assert.Contains("Example: " + Example, error.Message);
    }

    [Fact]
    public void OperationIndex_should_give_the_option_index_or_minus_one()
    {
        Assert.Equal(Conv3, Nb201Space.OperationIndex("nor_conv_3x3"));
        Assert.Equal(Pool, Nb201Space.OperationIndex("avg_pool_3x3"));
        Assert.Equal(-1, Nb201Space.OperationIndex("max_pool_3x3"));
    }

    [Fact]
    public void Canonicalize_should_make_an_output_fed_only_by_none_degenerate_and_all_none()
    {
        var architecture = Arch(Conv3, Conv3, Conv3, None, None, None);

        Assert.True(Nb201Space.IsDegenerate(architecture));
        Assert.Equal(Arch(None, None, None, None, None, None), Space.Canonicalize(architecture));
        Assert.DoesNotContain(true, Nb201Space.LiveEdges(architecture));
    }

    [Fact]
    public void IsDegenerate_should_hold_when_the_output_only_receives_from_zero_nodes()
    {
        // Nodes 1 and 2 receive nothing from the input, so the convolutions into node 3 only see zeros.
        var architecture = Arch(None, None, Conv3, None, Conv3, Conv3);

        Assert.True(Nb201Space.IsDegenerate(architecture));
        Assert.Equal(Arch(None, None, None, None, None, None), Space.Canonicalize(architecture));
    }

    [Fact]
    public void IsDegenerate_should_be_false_when_a_signal_reaches_the_output()
    {
        Assert.False(Nb201Space.IsDegenerate(Arch(None, None, None, Skip, None, None)));
        Assert.False(Nb201Space.IsDegenerate(Arch(Conv1, None, Pool, None, None, Skip)));
    }

    [Fact]
    public void Canonicalize_should_replace_edges_leaving_a_node_that_only_receives_none()
    {
        // Node 1 receives only none, so its outgoing edges 2<-1 and 3<-1 are dead.
        var architecture = Arch(None, Conv3, Conv3, Conv3, Conv3, Conv3);

        Assert.Equal(Arch(None, Conv3, None, Conv3, None, Conv3), Space.Canonicalize(architecture));
        Assert.Equal([false, true, false, true, false, true], Nb201Space.LiveEdges(architecture));
        Assert.False(Nb201Space.IsDegenerate(architecture));
    }

    [Fact]
    public void Canonicalize_should_replace_edges_into_a_node_that_never_reaches_the_output()
    {
        // 3<-2 is none, so node 2 is a dead end: what flows into it is wasted.
        var architecture = Arch(Conv3, Conv3, Conv3, Conv3, Conv3, None);

        Assert.Equal(Arch(Conv3, None, None, Conv3, Conv3, None), Space.Canonicalize(architecture));
        Assert.Equal([true, false, false, true, true, false], Nb201Space.LiveEdges(architecture));
    }

    [Fact]
    public void Canonicalize_should_follow_dead_ends_back_through_several_nodes()
    {
        // Node 1 only feeds node 2, which feeds nothing: both are dead ends.
        var architecture = Arch(Conv3, Skip, Conv1, Pool, None, None);

        Assert.Equal(Arch(None, None, None, Pool, None, None), Space.Canonicalize(architecture));
    }

    [Fact]
    public void Canonicalize_should_give_architectures_differing_only_in_dead_edges_one_form()
    {
        var a = Arch(None, Conv3, Skip, Conv3, Pool, Conv3);
        var b = Arch(None, Conv3, Conv1, Conv3, Skip, Conv3);

        Assert.NotEqual(a, b);
        Assert.Equal(Space.Canonicalize(a), Space.Canonicalize(b));
    }

    [Theory]
    [InlineData(new[] { Conv3, Conv3, Conv3, Conv3, Conv3, Conv3 })]
    [InlineData(new[] { Conv3, None, Skip, None, None, Conv1 })] // a chain 0 -> 1 -> 2 -> 3
    [InlineData(new[] { None, None, None, Pool, None, None })]
    [InlineData(new[] { Pool, Pool, Pool, Pool, Pool, Pool })]
    public void Canonicalize_should_leave_architectures_without_dead_edges_unchanged(int[] choices)
    {
        var architecture = Arch(choices);

        Assert.Equal(architecture, Space.Canonicalize(architecture));
        Assert.Equal(choices.Select(c => c != None), Nb201Space.LiveEdges(architecture));
    }

    [Fact]
    public void Canonicalize_should_be_idempotent_and_agree_with_LiveEdges_over_the_whole_space()
    {
        for (long i = 0; i < Space.Size; i++)
        {
            var architecture = Architecture.FromIndex(Space, i);
            var canonical = Space.Canonicalize(architecture);
            var live = Nb201Space.LiveEdges(architecture);

            Assert.Equal(canonical, Space.Canonicalize(canonical));
            for (var e = 0; e < live.Length; e++)
                Assert.Equal(live[e] ? architecture[e] : None, canonical[e]);
            Assert.Equal(live, Nb201Space.LiveEdges(canonical));
            Assert.Equal(Nb201Space.IsDegenerate(architecture), Nb201Space.IsDegenerate(canonical));
        }
    }

    [Fact]
    public void Canonicalize_should_leave_9445_distinct_forms_of_which_only_all_none_is_degenerate()
    {
        var forms = Enumerable.Range(0, (int)Space.Size)
            .Select(i => Space.Canonicalize(Architecture.FromIndex(Space, i)))
            .ToHashSet();

        Assert.Equal(9_445, forms.Count);
        var degenerate = Assert.Single(forms, Nb201Space.IsDegenerate);
        Assert.Equal(Arch(None, None, None, None, None, None), degenerate);
    }

    [Fact]
    public void CapacityProxy_should_grow_with_live_3x3_convolutions()
    {
        var none = Arch(None, None, None, Skip, None, None);
        var one = Arch(None, None, None, Conv3, None, None);
        var two = Arch(Conv3, None, None, Conv3, Skip, None);
        var three = Arch(Conv3, None, None, Conv3, Conv3, None);

        Assert.True(Nb201Space.CapacityProxy(none) < Nb201Space.CapacityProxy(one));
        Assert.True(Nb201Space.CapacityProxy(one) < Nb201Space.CapacityProxy(two));
        Assert.True(Nb201Space.CapacityProxy(two) < Nb201Space.CapacityProxy(three));
    }

    [Fact]
    public void CapacityProxy_should_rank_3x3_above_1x1_above_parameter_free_operations()
    {
        var conv3 = Nb201Space.CapacityProxy(Arch(None, None, None, Conv3, None, None));
        var conv1 = Nb201Space.CapacityProxy(Arch(None, None, None, Conv1, None, None));
        var pool = Nb201Space.CapacityProxy(Arch(None, None, None, Pool, None, None));

        Assert.True(conv3 > conv1);
        Assert.True(conv1 > pool);
        Assert.True(pool > 0);
    }

    [Fact]
    public void CapacityProxy_should_ignore_convolutions_on_dead_edges()
    {
        var live = Arch(None, None, None, Skip, None, None);
        var withDeadConvolutions = Arch(Conv3, Conv3, Conv3, Skip, None, None);

        Assert.Equal(Nb201Space.CapacityProxy(live), Nb201Space.CapacityProxy(withDeadConvolutions));
        Assert.Equal(0.0, Nb201Space.CapacityProxy(Arch(Conv3, Conv3, Conv3, None, None, None)));
    }
}
