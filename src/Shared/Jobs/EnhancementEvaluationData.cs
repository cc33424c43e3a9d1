using Cluster.Speech.Data;
using Cluster.Speech.Evaluation;

namespace Cluster.Shared.Jobs;

/// <summary>What a TF-GridNetV2 job is scored on, for the trainers' evaluations and <c>cluster eval</c> alike: its
/// evaluation manifests read the way its training data is, as noisy/clean pairs, or as clean speech mixed with the
/// job's noise (<see cref="EnhancementEvaluationSet.Mixed"/>) when it mixes on the fly.</summary>
public static class EnhancementEvaluationData
{
    /// <param name="manifests">The manifests to score (default: the job's <c>data.eval</c>), taken together as one set.</param>
    /// <exception cref="InvalidDataException">A manifest or a noise recording cannot be used, or an id appears in two
    /// manifests; the message names the file.</exception>
    public static EnhancementEvaluationSet FromJob(JobSpec job, IReadOnlyList<string>? manifests = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        manifests ??= job.Data.Eval;
        if (manifests.Count == 0) throw new InvalidDataException($"{job.Name} names no evaluation manifest (data.eval)");
        string source = string.Join(" + ", manifests);
        try
        {
            const string Role = "evaluation manifest";
            if (job.DataForm == DataForm.CleanSpeechWithNoise)
            {
                EnhancementSpec mixing = job.Enhancement;
                var clean = new Manifest(source, manifests.SelectMany(path => JobManifests.ReadSpeech(job, path, Role).Utterances));
                IReadOnlyList<float[]> noises = NoiseRecordings.Load(mixing.Noise, job.Data.SampleRate);
                return EnhancementEvaluationSet.Mixed(clean, noises, new NoiseMixer(mixing.MinSnrDb, mixing.MaxSnrDb), job.Seed, job.Data.SampleRate);
            }

            var pairs = new EnhancementManifest(source, manifests.SelectMany(path => JobManifests.ReadPairs(job, path, Role).Pairs));
            return EnhancementEvaluationSet.FromManifest(pairs, job.Data.SampleRate);
        }
        catch (ArgumentException duplicate)
        {
            throw new InvalidDataException($"evaluation manifests {source}: {duplicate.Message}", duplicate);
        }
    }
}
