namespace Cluster.Speech.Data;

/// <summary>A physical line of a text file, numbered from 1 as editors number them.</summary>
internal readonly record struct SourceLine(int Number, string Text)
{
    public bool IsBlank => string.IsNullOrWhiteSpace(Text);
}
