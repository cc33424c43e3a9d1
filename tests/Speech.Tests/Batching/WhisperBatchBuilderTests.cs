using Cluster.Speech.Batching;
using Cluster.Speech.Data;
using Cluster.Speech.Features;
using TempDirectory = Cluster.Speech.Tests.Data.TempDirectory;
using Cluster.Speech.Tests.Text;
using Cluster.Speech.Text;

namespace Cluster.Speech.Tests.Batching;

public sealed class WhisperBatchBuilderTests : IDisposable
{
    private const int Frames = 200; // 2 s
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Builds_features_and_labels_of_good_utterances_and_reports_each_bad_one()
    {
        float[] tone = Tone(1.5, 440), shortTone = Tone(0.4, 220);
        float[] broken = Tone(1, 330);
        broken[8000] = float.NaN;
        var utterances = new[]
        {
            Utterance("good", Wav("good.wav", tone), "今天天气很好"),
            Utterance("nan", Wav("nan.wav", broken), "你好"),
            Utterance("missing", _folder.Combine("missing.wav"), "你好"),
            Utterance("silent-text", Wav("t.wav", shortTone), "  "),
            Utterance("too-long", Wav("long.wav", Tone(2.5, 440)), "你好"),
            Utterance("short", Wav("short.wav", shortTone), "请把灯打开"),
        };
        var builder = new WhisperBatchBuilder(TokenizerFixtures.Multilingual, new WhisperBatchOptions { Language = "zh", Frames = Frames });

        WhisperBatch batch = builder.Build("e0-b3", utterances);

        Assert.Equal(["good", "short"], batch.UtteranceIds);
        Assert.Equal(["nan", "missing", "silent-text", "too-long"], batch.Skipped.Select(s => s.Id));
        Assert.StartsWith("NaN/Inf sample at 0.5 s", batch.Skipped[0].Reason);
        Assert.StartsWith("unreadable audio", batch.Skipped[1].Reason);
        Assert.Equal("empty transcript", batch.Skipped[2].Reason);
        Assert.Equal("2.5 s, longer than the 2 s a batch holds", batch.Skipped[3].Reason);
        Assert.EndsWith("missing.wav", batch.Skipped[1].Path);

        // Each row is the clip zero-padded to 2 s and featurized on its own.
        var extractor = new LogMelSpectrogram(new LogMelOptions { PadOrTrimTo30Seconds = false });
        int row = 80 * Frames;
        Assert.Equal(2 * row, batch.Features.Length);
        for (int i = 0; i < 2; i++)
        {
            var padded = new float[Frames * 160];
            (i == 0 ? tone : shortTone).CopyTo(padded, 0);
            Assert.Equal(extractor.Compute(padded), batch.Features.AsSpan(i * row, row).ToArray());
        }

        var expected = new LabelCollator(TokenizerFixtures.Multilingual.EndOfText).Collate(
            [TokenizerFixtures.Multilingual.BuildLabels("今天天气很好", "zh"), TokenizerFixtures.Multilingual.BuildLabels("请把灯打开", "zh")]);
        Assert.Equal(expected.DecoderInput, batch.Labels.DecoderInput);
        Assert.Equal(expected.Labels, batch.Labels.Labels);
    }

    [Fact]
    public void A_batch_whose_utterances_are_all_bad_is_empty_not_an_error()
    {
        var builder = new WhisperBatchBuilder(TokenizerFixtures.Multilingual, new WhisperBatchOptions { Language = "zh", Frames = Frames });

        WhisperBatch batch = builder.Build("e0-b0", [Utterance("missing", _folder.Combine("nope.flac"), "你好")]);

        Assert.Equal(0, batch.Count);
        Assert.Empty(batch.Features);
        Assert.Single(batch.Skipped);
    }

    [Fact]
    public void A_transcript_over_the_label_limit_is_skipped()
    {
        var builder = new WhisperBatchBuilder(TokenizerFixtures.Multilingual, new WhisperBatchOptions { Language = "zh", Frames = Frames, MaxLabelTokens = 8 });

        WhisperBatch batch = builder.Build("e0-b0", [Utterance("wordy", Wav("w.wav", Tone(1, 440)), "这家饭店的菜很好吃我们明天再来")]);

        Assert.Matches(@"^label sequence of \d+ tokens, more than 8$", Assert.Single(batch.Skipped).Reason);
    }

    [Fact]
    public void An_unknown_language_is_refused_when_the_builder_is_made()
    {
        Assert.ThrowsAny<ArgumentException>(() => new WhisperBatchBuilder(TokenizerFixtures.Multilingual, new WhisperBatchOptions { Language = "xx" }));
        Assert.Throws<ArgumentException>(() => new WhisperBatchBuilder(TokenizerFixtures.Multilingual, new WhisperBatchOptions()));
    }

    private string Wav(string name, float[] samples) => TestWav.Write(_folder.Combine(name), samples);

    private static Utterance Utterance(string id, string path, string text) => new(id, path, text);

    private static float[] Tone(double seconds, double hz) =>
        Enumerable.Range(0, (int)(seconds * 16000)).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * hz * i / 16000))).ToArray();
}
