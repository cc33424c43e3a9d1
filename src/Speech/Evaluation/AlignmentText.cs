using System.Text;
using Cluster.Speech.Text;

namespace Cluster.Speech.Evaluation;

/// <summary>
/// An alignment as one line a reader can scan: matched tokens as they are, each run of edits in brackets as
/// [reference→hypothesis], e.g. "今天 [天气→天器] 很好". A run with an empty side is a deletion ("[很→]") or an
/// insertion ("[→很]").
/// </summary>
internal static class AlignmentText
{
    /// <param name="separator">Between tokens: a space for words, nothing for characters.</param>
    public static string Render(Alignment alignment, string separator)
    {
        var parts = new List<string>();
        IReadOnlyList<AlignmentStep> steps = alignment.Steps;
        for (int i = 0; i < steps.Count;)
        {
            if (steps[i].Operation == EditOperation.Match)
            {
                parts.Add(steps[i].Reference!);
                i++;
                continue;
            }

            var reference = new List<string>();
            var hypothesis = new List<string>();
            for (; i < steps.Count && steps[i].Operation != EditOperation.Match; i++)
            {
                if (steps[i].Reference is { } r) reference.Add(r);
                if (steps[i].Hypothesis is { } h) hypothesis.Add(h);
            }

            parts.Add(new StringBuilder("[").AppendJoin(separator, reference).Append('→').AppendJoin(separator, hypothesis).Append(']').ToString());
        }

        return string.Join(separator, parts);
    }
}
