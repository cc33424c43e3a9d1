using Cluster.Shared.Jobs;

namespace Cluster.Coordinator.Evaluation;

/// <summary>How <c>cluster eval</c> evaluates a job's checkpoint; null options take the job's settings.</summary>
/// <param name="Checkpoint">A checkpoint directory; null picks the newest valid one of the job.</param>
/// <param name="Manifest">The manifest to evaluate; null evaluates the job's <c>data.eval</c>.</param>
/// <param name="OutputDirectory">The report folder; null is <c>runs/NAME/eval-step-S</c> next to the job spec.</param>
/// <param name="Device">"cpu", "cuda" or "cuda:N".</param>
/// <param name="Worst">Whisper: how many first and worst transcripts the summary shows; TF-GridNetV2: how many
/// best and worst pairs are plotted.</param>
public sealed record EvalOptions(
    string JobPath,
    string? Checkpoint = null,
    string? Manifest = null,
    string? OutputDirectory = null,
    string Device = "cpu",
    int? BatchSize = null,
    int? BeamSize = null,
    int? MaxNewTokens = null,
    int? Worst = null)
{
    /// <summary>What is wrong with the options themselves, each naming the option and its value.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        try
        {
            _ = Cluster.Torch.Device.Parse(Device);
        }
        catch (FormatException)
        {
            problems.Add($"--device must be cpu, cuda or cuda:N, not '{Device}'");
        }

        if (BatchSize is < 1) problems.Add($"--batch-size must be at least 1, not {BatchSize}");
        if (BeamSize is < 1 or > EvaluationSpec.MaxBeamSize) problems.Add($"--beam-size must be 1..{EvaluationSpec.MaxBeamSize}, not {BeamSize}");
        if (MaxNewTokens is < 1 or > EvaluationSpec.HardMaxLength)
            problems.Add($"--max-new-tokens must be 1..{EvaluationSpec.HardMaxLength} (Whisper's text context), not {MaxNewTokens}");
        if (Worst is < 0) problems.Add($"--worst must not be negative, not {Worst}");
        return problems;
    }
}
