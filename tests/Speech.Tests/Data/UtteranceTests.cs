using Cluster.Speech.Data;

namespace Cluster.Speech.Tests.Data;

public class UtteranceTests
{
    [Fact]
    public void Equality_compares_extra_columns_by_content()
    {
        Utterance a = new("u", "/a.wav", "t") { Extra = new Dictionary<string, string> { ["k"] = "v", ["j"] = "w" } };
        Utterance b = new("u", "/a.wav", "t") { Extra = new Dictionary<string, string> { ["j"] = "w", ["k"] = "v" } };

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, b with { Extra = new Dictionary<string, string> { ["k"] = "v" } });
    }

    [Fact]
    public void Extra_is_a_copy_the_caller_cannot_change_afterwards()
    {
        var extra = new Dictionary<string, string> { ["k"] = "v" };
        Utterance u = new("u", "/a.wav", "t") { Extra = extra };

        extra["k"] = "changed";

        Assert.Equal("v", u.Extra["k"]);
    }

    [Fact]
    public void Invalid_values_are_refused_even_through_with()
    {
        Utterance u = new("u", "/a.wav", "t");

        Assert.Throws<ArgumentException>(() => u with { AudioPath = "relative.wav" });
        Assert.Throws<ArgumentException>(() => u with { Id = "" });
        Assert.Throws<ArgumentOutOfRangeException>(() => u with { Duration = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => u with { Offset = double.NaN });
        Assert.Throws<ArgumentException>(() => new EnhancementPair("p", "/n.wav", "c.wav"));
    }

    [Fact]
    public void A_manifest_refuses_repeated_ids_and_finds_utterances_by_id()
    {
        Utterance u = new("u", "/a.wav", "t");

        Assert.Throws<ArgumentException>(() => new Manifest("test", [u, u with { Text = "other" }]));
        var manifest = new Manifest("test", [u]);
        Assert.True(manifest.TryGet("u", out Utterance? found));
        Assert.Same(u, found);
        Assert.False(manifest.TryGet("v", out _));
    }

    [Fact]
    public void The_problem_list_of_a_format_error_names_file_and_line_like_a_compiler()
    {
        var e = new ManifestFormatException("/m", [new ManifestProblem("/m/text", 3, "bad"), new ManifestProblem("/m/wav.scp", null, "missing")]);

        Assert.Equal("/m: 2 problems\n  /m/text:3: bad\n  /m/wav.scp: missing", e.Message);
        Assert.IsAssignableFrom<FormatException>(e);
    }
}
