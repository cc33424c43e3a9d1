namespace Cluster.Shared.Actors;

/// <summary>An actor's full name: the address of its system plus the element path (<c>/user/a/b</c>).</summary>
public sealed record ActorPath(Address Address, string Elements)
{
    public string Name => Elements[(Elements.LastIndexOf('/') + 1)..];

    public ActorPath Child(string name) => new(Address, $"{Elements}/{name}");

    public override string ToString() => $"{Address}{Elements}";

    public static ActorPath Parse(string text)
    {
        var address = Address.Parse(text, out var elements);
        if (elements.Length < 2 || !elements.StartsWith('/') || elements.EndsWith('/') || elements.Contains("//"))
        {
            throw new FormatException($"actor path '{text}': expected '<address>/user/...'");
        }
        return new ActorPath(address, elements);
    }
}
