namespace Cluster.Speech.Text;

/// <summary>
/// A minimum-edit-distance (Levenshtein) alignment of a hypothesis token sequence against its reference, every edit
/// costing 1, with the counts error rates are made of.
/// </summary>
/// <remarks>
/// Several alignments can share the minimum cost; the backtrace prefers a match or substitution, then a deletion,
/// then an insertion, so among equal-cost alignments substitutions win over a deletion plus an insertion.
/// </remarks>
public sealed class Alignment
{
    private Alignment(AlignmentStep[] steps)
    {
        Steps = Array.AsReadOnly(steps);
        foreach (AlignmentStep step in steps)
        {
            switch (step.Operation)
            {
                case EditOperation.Match: Hits++; break;
                case EditOperation.Substitute: Substitutions++; break;
                case EditOperation.Delete: Deletions++; break;
                case EditOperation.Insert: Insertions++; break;
            }
        }
    }

    /// <summary>The steps from the start of both sequences to their end.</summary>
    public IReadOnlyList<AlignmentStep> Steps { get; }

    public int Hits { get; }

    public int Substitutions { get; }

    public int Deletions { get; }

    public int Insertions { get; }

    /// <summary>Tokens in the reference: hits + substitutions + deletions.</summary>
    public int ReferenceLength => Hits + Substitutions + Deletions;

    /// <summary>The edit distance: substitutions + deletions + insertions.</summary>
    public int Errors => Substitutions + Deletions + Insertions;

    /// <summary>Errors per reference token. An empty reference counts as one token, so a hypothesis against it scores
    /// its insertion count and an empty one 0, never NaN or infinity.</summary>
    public double ErrorRate => (double)Errors / Math.Max(ReferenceLength, 1);

    /// <summary>Aligns two token sequences (compared ordinally).</summary>
    public static Alignment Align(IReadOnlyList<string> reference, IReadOnlyList<string> hypothesis)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(hypothesis);
        int rows = reference.Count + 1, columns = hypothesis.Count + 1;
        var cost = new int[rows, columns];
        for (int i = 0; i < rows; i++) cost[i, 0] = i;
        for (int j = 0; j < columns; j++) cost[0, j] = j;
        for (int i = 1; i < rows; i++)
        {
            for (int j = 1; j < columns; j++)
            {
                int diagonal = cost[i - 1, j - 1] + (Same(reference, hypothesis, i, j) ? 0 : 1);
                cost[i, j] = Math.Min(diagonal, Math.Min(cost[i - 1, j], cost[i, j - 1]) + 1);
            }
        }

        var steps = new List<AlignmentStep>(Math.Max(rows, columns));
        for (int i = rows - 1, j = columns - 1; i > 0 || j > 0;)
        {
            if (i > 0 && j > 0 && cost[i, j] == cost[i - 1, j - 1] + (Same(reference, hypothesis, i, j) ? 0 : 1))
            {
                bool same = Same(reference, hypothesis, i, j);
                steps.Add(new AlignmentStep(same ? EditOperation.Match : EditOperation.Substitute, reference[i - 1], hypothesis[j - 1]));
                i--;
                j--;
            }
            else if (i > 0 && cost[i, j] == cost[i - 1, j] + 1)
            {
                steps.Add(new AlignmentStep(EditOperation.Delete, reference[i - 1], null));
                i--;
            }
            else
            {
                steps.Add(new AlignmentStep(EditOperation.Insert, null, hypothesis[j - 1]));
                j--;
            }
        }
        steps.Reverse();
        return new Alignment(steps.ToArray());
    }

    private static bool Same(IReadOnlyList<string> reference, IReadOnlyList<string> hypothesis, int i, int j) =>
        string.Equals(reference[i - 1], hypothesis[j - 1], StringComparison.Ordinal);
}
