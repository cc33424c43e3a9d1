namespace Cluster.Shared.Jobs;

/// <summary>
/// What a job's manifests hold. It follows from the job's model and keys (<see cref="JobSpec.DataForm"/>), never from a
/// file's name, and <see cref="JobManifests"/> reads every manifest by it: the coordinator's epoch planner, the
/// DataNodes' batch producers, the trainers' evaluations and <c>cluster eval</c> cannot disagree on it.
/// </summary>
public enum DataForm
{
    /// <summary>Transcribed speech (Whisper), in <see cref="DataSpec.Format"/> or the layout detected from the path.</summary>
    Speech,

    /// <summary>Noisy/clean pairs (TF-GridNetV2 without <c>data.enhancement.noise</c>): .csv, .tsv or .jsonl records with
    /// <c>noisy</c> and <c>clean</c> paths.</summary>
    EnhancementPairs,

    /// <summary>Clean speech (TF-GridNetV2 with <c>data.enhancement.noise</c>), mixed with that noise on the fly;
    /// transcripts are not needed.</summary>
    CleanSpeechWithNoise,
}
