namespace Cluster.Speech.Models.Losses;

/// <summary>
/// The permutation p maximising Σᵢ score[i, p[i]] of a square score matrix. A matrix with a NaN or infinite
/// score gets the identity: no pairing is better than another, and the loss keeps the bad value visible.
/// </summary>
internal static class BestAssignment
{
    private const int ExhaustiveUpTo = 3;

    public static int[] Maximising(double[,] score)
    {
        var n = score.GetLength(0);
        if (score.GetLength(1) != n) throw new ArgumentException("the score matrix must be square", nameof(score));
        if (score.Cast<double>().Any(x => !double.IsFinite(x))) return [.. Enumerable.Range(0, n)];
        return n <= ExhaustiveUpTo ? Exhaustive(score) : Hungarian(score);
    }

    // At most 3! = 6 candidates: cheaper than the Hungarian bookkeeping, and ties resolve to the first
    // permutation in lexicographic order, as itertools.permutations would.
    private static int[] Exhaustive(double[,] score)
    {
        var n = score.GetLength(0);
        int[] best = [.. Enumerable.Range(0, n)];
        var bestTotal = double.NegativeInfinity;
        foreach (var candidate in Permutations(Enumerable.Range(0, n).ToArray(), 0))
        {
            var total = 0.0;
            for (var i = 0; i < n; i++) total += score[i, candidate[i]];
            if (total > bestTotal)
            {
                bestTotal = total;
                best = [.. candidate];
            }
        }
        return best;
    }

    private static IEnumerable<int[]> Permutations(int[] items, int from)
    {
        if (from == items.Length)
        {
            yield return items;
            yield break;
        }
        for (var i = from; i < items.Length; i++)
        {
            // Rotating items[from..i] into place (instead of swapping) keeps the enumeration lexicographic.
            Rotate(items, from, i);
            foreach (var permutation in Permutations(items, from + 1)) yield return permutation;
            Unrotate(items, from, i);
        }
    }

    private static void Rotate(int[] items, int from, int to)
    {
        var last = items[to];
        Array.Copy(items, from, items, from + 1, to - from);
        items[from] = last;
    }

    private static void Unrotate(int[] items, int from, int to)
    {
        var first = items[from];
        Array.Copy(items, from + 1, items, from, to - from);
        items[to] = first;
    }

    // Kuhn–Munkres with row/column potentials on the cost −score (the shortest-augmenting-path form):
    // one row is added per round and the matching stays optimal for the rows added so far.
    private static int[] Hungarian(double[,] score)
    {
        var n = score.GetLength(0);
        var rowPotential = new double[n + 1];
        var columnPotential = new double[n + 1];
        var rowOfColumn = new int[n + 1];  // 1-based; column 0 is the virtual start of each augmenting path
        var previousColumn = new int[n + 1];
        for (var row = 1; row <= n; row++)
        {
            rowOfColumn[0] = row;
            var column = 0;
            var slack = new double[n + 1];
            Array.Fill(slack, double.PositiveInfinity);
            var used = new bool[n + 1];
            do
            {
                used[column] = true;
                int rowHere = rowOfColumn[column], nextColumn = 0;
                var delta = double.PositiveInfinity;
                for (var j = 1; j <= n; j++)
                {
                    if (used[j]) continue;
                    var reduced = -score[rowHere - 1, j - 1] - rowPotential[rowHere] - columnPotential[j];
                    if (reduced < slack[j])
                    {
                        slack[j] = reduced;
                        previousColumn[j] = column;
                    }
                    if (slack[j] < delta)
                    {
                        delta = slack[j];
                        nextColumn = j;
                    }
                }
                for (var j = 0; j <= n; j++)
                {
                    if (used[j])
                    {
                        rowPotential[rowOfColumn[j]] += delta;
                        columnPotential[j] -= delta;
                    }
                    else
                    {
                        slack[j] -= delta;
                    }
                }
                column = nextColumn;
            } while (rowOfColumn[column] != 0);
            do
            {
                var previous = previousColumn[column];
                rowOfColumn[column] = rowOfColumn[previous];
                column = previous;
            } while (column != 0);
        }

        var assignment = new int[n];
        for (var j = 1; j <= n; j++) assignment[rowOfColumn[j] - 1] = j - 1;
        return assignment;
    }
}
