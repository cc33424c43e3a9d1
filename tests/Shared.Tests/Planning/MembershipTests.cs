using Cluster.Shared.Planning;
using Cluster.Shared.Protocol;

namespace Cluster.Shared.Tests.Planning;

public class MembershipTests
{
    [Fact]
    public void Joins_and_leaves_are_generations_and_roles_are_listed_apart()
    {
        Membership m = Membership.Empty
            .Join("dn-1", NodeRole.Data, "10.0.0.1:7000")
            .Join("gpu-0", NodeRole.Gpu, "10.0.0.2:7000")
            .Join("dn-0", NodeRole.Data, "10.0.0.3:7000");

        Assert.Equal(3, m.Generation);
        Assert.Equal(["dn-0", "dn-1"], m.OfRole(NodeRole.Data));
        Assert.Equal(["gpu-0"], m.OfRole(NodeRole.Gpu));

        Membership after = m.Leave("dn-1");
        Assert.Equal(4, after.Generation);
        Assert.False(after.Contains("dn-1"));
    }

    [Fact]
    public void Leaving_twice_is_one_change()
    {
        Membership m = Membership.Empty.Join("dn-0", NodeRole.Data, "h:1").Leave("dn-0");

        Assert.Same(m, m.Leave("dn-0"));
    }

    [Fact]
    public void A_restarted_node_gets_a_new_incarnation_and_the_old_ones_messages_are_stale()
    {
        Membership first = Membership.Empty.Join("gpu-0", NodeRole.Gpu, "h:1");
        long old = first.Members["gpu-0"].Incarnation;

        Membership restarted = first.Join("gpu-0", NodeRole.Gpu, "h:2");

        Assert.False(restarted.IsCurrent("gpu-0", old));
        Assert.True(restarted.IsCurrent("gpu-0", restarted.Members["gpu-0"].Incarnation));
        Assert.Equal("h:2", restarted.Members["gpu-0"].Address);
    }

    [Fact]
    public void An_id_taken_by_the_other_role_is_refused()
    {
        Membership m = Membership.Empty.Join("node-7", NodeRole.Data, "h:1");

        var error = Assert.Throws<ArgumentException>(() => m.Join("node-7", NodeRole.Gpu, "h:2"));
        Assert.Contains("already a member as Data", error.Message);
    }
}
