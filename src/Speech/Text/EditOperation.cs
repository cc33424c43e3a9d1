namespace Cluster.Speech.Text;

/// <summary>One step of an alignment of a hypothesis against its reference.</summary>
public enum EditOperation
{
    /// <summary>The reference token was recognized.</summary>
    Match,

    /// <summary>The reference token was recognized as a different one.</summary>
    Substitute,

    /// <summary>The reference token is missing from the hypothesis.</summary>
    Delete,

    /// <summary>The hypothesis has a token the reference lacks.</summary>
    Insert,
}
