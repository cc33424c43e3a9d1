using Cluster.Speech.Data;

namespace Cluster.Shared.Jobs;

/// <summary>
/// Reads one of a job's manifests as its <see cref="JobSpec.DataForm"/> says. A file that holds the other form is
/// refused with what the job expected and which key would change that, instead of a reader's complaint about a column.
/// </summary>
public static class JobManifests
{
    /// <summary>Reads a speech manifest of a <see cref="DataForm.Speech"/> or <see cref="DataForm.CleanSpeechWithNoise"/> job.</summary>
    /// <param name="role">What the file is to the job, for the message ("training manifest").</param>
    /// <exception cref="InvalidDataException">The file cannot be read as speech; the message names it and the reason.</exception>
    public static Manifest ReadSpeech(JobSpec job, string path, string role)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.DataForm == DataForm.EnhancementPairs) throw new ArgumentException($"{job.Name} trains on noisy/clean pairs, not speech manifests", nameof(job));
        try
        {
            return ManifestReader.Read(path, job.Data.Format);
        }
        catch (Exception error) when (IsManifestProblem(error))
        {
            if (job.DataForm == DataForm.CleanSpeechWithNoise && ReadsAsPairs(path))
                throw new InvalidDataException($"{role} '{path}' holds noisy/clean pairs, but data.enhancement.noise is set, so the job "
                    + "mixes clean speech with that noise; remove data.enhancement.noise to train on the pairs as they are", error);
            string expected = job.DataForm == DataForm.Speech ? "a speech manifest" : "a clean speech manifest to mix with data.enhancement.noise";
            throw new InvalidDataException($"{role} '{path}' (expected {expected}): {error.Message}", error);
        }
    }

    /// <summary>Reads a pair manifest of a <see cref="DataForm.EnhancementPairs"/> job.</summary>
    /// <exception cref="InvalidDataException">The file cannot be read as pairs; the message names it, the reason and
    /// how a clean speech manifest would be trained on instead.</exception>
    public static EnhancementManifest ReadPairs(JobSpec job, string path, string role)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (job.DataForm != DataForm.EnhancementPairs) throw new ArgumentException($"{job.Name} does not train on noisy/clean pairs", nameof(job));
        try
        {
            return EnhancementManifestReader.Read(path);
        }
        catch (Exception error) when (IsManifestProblem(error))
        {
            throw new InvalidDataException($"{role} '{path}' (expected noisy/clean pairs: .csv, .tsv or .jsonl records with noisy and clean "
                + "paths, since data.enhancement.noise is not set; set it to mix clean speech with noise instead): " + error.Message, error);
        }
    }

    private static bool ReadsAsPairs(string path)
    {
        try
        {
            return EnhancementManifestReader.Read(path).Count > 0;
        }
        catch (Exception error) when (IsManifestProblem(error))
        {
            return false;
        }
    }

    private static bool IsManifestProblem(Exception error) =>
        error is IOException or FormatException or ArgumentException or UnauthorizedAccessException;
}
