using Cluster.Speech.Audio;
using Cluster.Speech.Data;
using Cluster.Speech.Validation;

namespace Cluster.Speech.Tests.Validation;

public sealed class TranscriptCheckTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("transcripts-").FullName;

    [Fact]
    public void An_empty_transcript_blocks_speech_recognition_data_but_not_enhancement_speech()
    {
        string audio = Path.Combine(directory, "clip.wav");
        AudioFile.WriteWav(audio, [.. Enumerable.Range(0, 8000).Select(i => 0.3f * MathF.Sin(i * 0.05f))], 16000);
        var manifest = new Manifest(Path.Combine(directory, "clean.jsonl"), [new Utterance("clip", audio, "")]);

        ValidationReport asr = new DataValidator().Validate(manifest);
        ValidationReport enhancement = new DataValidator(ValidationOptions.Default with { CheckTranscripts = false }).Validate(manifest);

        Assert.Contains(asr.Issues, issue => issue.Kind == IssueKind.EmptyTranscript && issue.ItemId == "clip");
        Assert.Empty(enhancement.Issues);
        Assert.Contains(enhancement.SkippedChecks, reason => reason.StartsWith("transcripts: not checked", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}
