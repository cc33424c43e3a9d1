using Cluster.Shared.Jobs;
using Cluster.Speech.Data;
using Cluster.Speech.Evaluation;
using Cluster.Speech.Models.GridNet;
using Cluster.Torch;
using Cluster.Torch.Modules;

namespace Cluster.GpuNode;

/// <summary>TF-GridNetV2 on the noisy/clean pairs of <c>data.eval</c>: the mean SI-SNR improvement of the first
/// estimated source over the mixture (<see cref="EnhancementEvaluation"/>), and the mean negative SI-SNR as the loss.</summary>
public sealed class EnhancementEvaluator : ITrainerEvaluator
{
    private readonly TFGridNetV2 model;
    private readonly TFGridNetV2Enhancer enhancer;
    private readonly IReadOnlyList<EnhancementManifest> manifests;

    /// <exception cref="InvalidDataException">An evaluation manifest cannot be read.</exception>
    public EnhancementEvaluator(TFGridNetV2 model, JobSpec job, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(job);
        this.model = model;
        enhancer = new TFGridNetV2Enhancer(model, device);
        manifests = [.. job.Data.Eval.Select(EnhancementManifestReader.Read)];
    }

    public EvaluationResult Evaluate()
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            var reports = manifests.Select(m => EnhancementEvaluation.Run(m, enhancer)).ToList();
            int count = reports.Sum(r => r.SiSnrImprovement.Count);
            double Mean(Func<EnhancementReport, double> of) =>
                count == 0 ? double.NaN : reports.Sum(r => of(r) * r.SiSnrImprovement.Count) / count;
            return new EvaluationResult(new Dictionary<string, double>
            {
                ["si_snri"] = Mean(r => r.SiSnrImprovement.Mean),
                ["loss"] = -Mean(r => r.SiSnrEnhanced.Mean),
            }, []);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
