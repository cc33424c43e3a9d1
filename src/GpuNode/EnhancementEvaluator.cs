using Cluster.Shared.Jobs;
using Cluster.Speech.Evaluation;
using Cluster.Speech.Models.GridNet;
using Cluster.Torch;
using Cluster.Torch.Modules;

namespace Cluster.GpuNode;

/// <summary>TF-GridNetV2 on the pairs of <c>data.eval</c> (recorded, or clean speech mixed with the job's noise): the mean
/// SI-SNR improvement of the first estimated source over the mixture (<see cref="EnhancementEvaluation"/>), and the mean
/// negative SI-SNR as the loss.</summary>
public sealed class EnhancementEvaluator : ITrainerEvaluator
{
    private readonly TFGridNetV2 model;
    private readonly TFGridNetV2Enhancer enhancer;
    private readonly EnhancementEvaluationSet pairs;

    /// <exception cref="InvalidDataException">An evaluation manifest or a noise recording cannot be read.</exception>
    public EnhancementEvaluator(TFGridNetV2 model, JobSpec job, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(job);
        this.model = model;
        enhancer = new TFGridNetV2Enhancer(model, device);
        pairs = EnhancementEvaluationData.FromJob(job);
    }

    public EvaluationResult Evaluate()
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            EnhancementReport report = EnhancementEvaluation.Run(pairs, enhancer, EnhancementEvaluationOptions.Default with { PlotCount = 0 });
            return new EvaluationResult(new Dictionary<string, double>
            {
                ["si_snri"] = report.SiSnrImprovement.Mean,
                ["loss"] = -report.SiSnrEnhanced.Mean,
            }, []);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
