using Cluster.Speech.Models.Whisper;
using Cluster.Torch;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Tests.Models.Whisper;

/// <summary>
/// A crafted <see cref="IStepScorer"/>: next-token weights looked up by the tokens after the prompt ("" for none,
/// "1,3" for [1, 3]); prefixes it does not list get <see cref="Fallback"/>. Weights are normalised, so a table reads
/// as probabilities.
/// </summary>
internal sealed class TableScorer(int promptLength, Dictionary<string, Dictionary<int, double>> table) : IStepScorer
{
    public const int Vocabulary = 6;
    public const int EndOfText = 0;
    public const int PromptToken = 5;

    /// <summary>Never ends and has no ties: 1 is always the likeliest.</summary>
    public static readonly Dictionary<int, double> Fallback = new() { [0] = 1e-9, [1] = 0.3, [2] = 0.25, [3] = 0.2, [4] = 0.15, [5] = 0.1 };

    public int Calls { get; private set; }

    public List<long[]> Reorders { get; } = [];

    public static double Probability(Dictionary<int, double> weights, int token) =>
        weights.GetValueOrDefault(token, 1e-9) / Enumerable.Range(0, Vocabulary).Sum(t => weights.GetValueOrDefault(t, 1e-9));

    public Tensor NextTokenLogits(Tensor tokens)
    {
        Calls++;
        long rows = tokens.size(0), length = tokens.size(1);
        var all = tokens.ToArray<long>();
        var logits = new float[rows * Vocabulary];
        for (long r = 0; r < rows; r++)
        {
            string key = string.Join(',', all.Skip((int)(r * length) + promptLength).Take((int)length - promptLength));
            var weights = table.GetValueOrDefault(key, Fallback);
            for (int t = 0; t < Vocabulary; t++) logits[r * Vocabulary + t] = (float)Math.Log(Probability(weights, t));
        }
        return tensor(logits, rows, Vocabulary); // [rows, V]
    }

    public void Reorder(IReadOnlyList<long> sourceRows) => Reorders.Add([.. sourceRows]);
}
