namespace Cluster.Shared.Actors;

/// <summary>Rules for system and actor names, so paths stay parseable on every node.</summary>
internal static class ActorNames
{
    public static bool IsValidSystemName(string name) =>
        !string.IsNullOrEmpty(name) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    public static void ValidateSystemName(string name)
    {
        if (!IsValidSystemName(name))
        {
            throw new ArgumentException($"actor system name '{name}': use only ASCII letters, digits, '-' and '_'", nameof(name));
        }
    }

    public static void ValidateActorName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.StartsWith('$')
            || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new ArgumentException(
                $"actor name '{name}': use only ASCII letters, digits, '-', '_' and '.', not starting with '$'", nameof(name));
        }
    }
}
