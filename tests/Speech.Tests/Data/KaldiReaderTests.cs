using Cluster.Speech.Data;

namespace Cluster.Speech.Tests.Data;

public sealed class KaldiReaderTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Reads_a_data_dir_without_segments_in_the_order_of_text()
    {
        temp.Write("data/train/wav.scp", "utt2 /corpus/b.wav\nutt1 /corpus/a.wav\n");
        temp.Write("data/train/text", "utt1 今天 天氣\t很好\nutt2\n");
        temp.Write("data/train/utt2spk", "utt1 spkA\nutt2 spkB\n");
        temp.Write("data/train/utt2dur", "utt1 3.5\nutt2 1\n");

        Manifest manifest = KaldiReader.Read(temp.Combine("data/train"));

        Assert.Equal(
            [
                new Utterance("utt1", "/corpus/a.wav", "今天 天氣\t很好") { Speaker = "spkA", Duration = 3.5 },
                new Utterance("utt2", "/corpus/b.wav", "") { Speaker = "spkB", Duration = 1 },
            ],
            manifest.Utterances);
    }

    [Fact]
    public void Relative_wav_scp_paths_resolve_against_the_audio_root()
    {
        temp.Write("s5/data/train/wav.scp", "u1 wav/a.wav\n");
        temp.Write("s5/data/train/text", "u1 hi\n");

        Assert.Equal(temp.Combine("s5/data/train/wav/a.wav"), KaldiReader.Read(temp.Combine("s5/data/train")).Utterances[0].AudioPath);
        Assert.Equal(temp.Combine("s5/wav/a.wav"),
            KaldiReader.Read(temp.Combine("s5/data/train"), audioRoot: temp.Combine("s5")).Utterances[0].AudioPath);
    }

    [Fact]
    public void Reads_segments_as_offsets_and_durations_into_recordings()
    {
        temp.Write("d/wav.scp", "rec1 /corpus/long1.wav\nrec2 /corpus/long2.wav\nunused /corpus/other.wav\n");
        temp.Write("d/segments", "rec1-0000 rec1 0.00 2.50\nrec1-0001 rec1 2.5 7.25\nrec2-0000 rec2 1 -1\n");
        temp.Write("d/text", "rec1-0000 一\nrec1-0001 二\nrec2-0000 三\n");
        temp.Write("d/utt2dur", "rec1-0000 2.5\nrec1-0001 4.75\nrec2-0000 9\n");

        Manifest manifest = KaldiReader.Read(temp.Combine("d"));

        Assert.Equal(
            [
                new Utterance("rec1-0000", "/corpus/long1.wav", "一") { Offset = 0, Duration = 2.5 },
                new Utterance("rec1-0001", "/corpus/long1.wav", "二") { Offset = 2.5, Duration = 4.75 },
                // An end of -1 runs to the end of the recording; utt2dur then supplies the length.
                new Utterance("rec2-0000", "/corpus/long2.wav", "三") { Offset = 1, Duration = 9 },
            ],
            manifest.Utterances);
    }

    [Fact]
    public void A_piped_command_in_wav_scp_is_refused()
    {
        string wavScp = temp.Write("d/wav.scp", "u1 /corpus/a.wav\nu2 sox /corpus/b.sph -t wav - |\n");
        temp.Write("d/text", "u1 a\nu2 b\n");

        var e = Problems.Of(() => KaldiReader.Read(temp.Combine("d")));

        Assert.Equal(temp.Combine("d"), e.Path);
        Assert.Equal(
            [new ManifestProblem(wavScp, 2, "'u2' is a piped command, which is not supported: convert the audio to files once and list their paths")],
            e.Problems);
    }

    [Fact]
    public void Transcripts_without_audio_and_audio_without_transcripts_are_reported_by_id()
    {
        string wavScp = temp.Write("d/wav.scp", "u1 /a.wav\nu3 /c.wav\nu4 /d.wav\n");
        string text = temp.Write("d/text", "u1 a\nu2 b\n");

        var e = Problems.Of(() => KaldiReader.Read(temp.Combine("d")));

        Assert.Equal(
            [
                new ManifestProblem(text, 2, "'u2' has no audio in wav.scp"),
                new ManifestProblem(wavScp, 2, "'u3' has no transcript in text"),
                new ManifestProblem(wavScp, 3, "'u4' has no transcript in text"),
            ],
            e.Problems);
        Assert.Contains($"{text}:2: 'u2' has no audio in wav.scp", e.Message);
    }

    [Fact]
    public void With_segments_every_segment_needs_a_transcript_and_a_known_recording()
    {
        temp.Write("d/wav.scp", "rec1 /a.wav\n");
        string segments = temp.Write("d/segments", "s1 rec1 0 1\ns2 rec1 1 2\ns3 rec9 0 1\n");
        string text = temp.Write("d/text", "s1 a\ns3 c\ns4 d\n");

        Assert.Equal(
            [
                new ManifestProblem(segments, 2, "'s2' has no transcript in text"),
                new ManifestProblem(segments, 3, "recording 'rec9' of segment 's3' is not in wav.scp"),
                new ManifestProblem(text, 3, "'s4' has no entry in segments"),
            ],
            Problems.Of(() => KaldiReader.Read(temp.Combine("d"))).Problems);
    }

    [Fact]
    public void Malformed_segment_lines_are_reported_with_their_reasons()
    {
        temp.Write("d/wav.scp", "rec1 /a.wav\n");
        string segments = temp.Write("d/segments", "s1 rec1 0\ns2 rec1 zero 1\ns3 rec1 -1 1\ns4 rec1 2 2\ns5\n");
        temp.Write("d/text", "s1 a\ns2 b\ns3 c\ns4 d\ns5 e\n");

        var e = Problems.Of(() => KaldiReader.Read(temp.Combine("d")));

        Assert.Equal(
            [
                (1, "expected '<utterance-id> <recording-id> <start> <end>', found 3 fields"),
                (2, "start is not a number: 'zero'"),
                (3, "start is negative: -1"),
                (4, "end 2 is not after start 2 (use -1 for the end of the recording)"),
                (5, "expected '<utterance-id> <recording-id> <start> <end>', found only 's5'"),
            ],
            e.Problems.Where(p => p.File == segments).Select(p => (p.Line!.Value, p.Reason)));
    }

    [Fact]
    public void Utt2spk_must_cover_exactly_the_utterances_of_text()
    {
        temp.Write("d/wav.scp", "u1 /a.wav\nu2 /b.wav\n");
        string text = temp.Write("d/text", "u1 a\nu2 b\n");
        string utt2spk = temp.Write("d/utt2spk", "u1 s\nu9 s\n");

        Assert.Equal(
            [new ManifestProblem(text, 2, "'u2' has no speaker in utt2spk"), new ManifestProblem(utt2spk, 2, "'u9' is not in text")],
            Problems.Of(() => KaldiReader.Read(temp.Combine("d"))).Problems);
    }

    [Fact]
    public void Repeated_ids_and_bad_durations_are_reported()
    {
        string wavScp = temp.Write("d/wav.scp", "u1 /a.wav\nu1 /b.wav\n");
        temp.Write("d/text", "u1 a\n");
        string utt2dur = temp.Write("d/utt2dur", "u1 -3\n");

        Assert.Equal(
            [new ManifestProblem(utt2dur, 1, "duration is negative: -3"), new ManifestProblem(wavScp, 2, "duplicate id 'u1' (first on line 1)")],
            Problems.Of(() => KaldiReader.Read(temp.Combine("d"))).Problems);
    }

    [Fact]
    public void A_wav_scp_line_without_a_path_is_reported()
    {
        string wavScp = temp.Write("d/wav.scp", "u1\n");
        temp.Write("d/text", "u1 a\n");

        Assert.Contains(new ManifestProblem(wavScp, 1, "expected '<id> <path>', found only 'u1'"),
            Problems.Of(() => KaldiReader.Read(temp.Combine("d"))).Problems);
    }

    [Fact]
    public void A_data_dir_without_text_is_reported()
    {
        temp.Write("d/wav.scp", "u1 /a.wav\n");

        Assert.Equal([new ManifestProblem(temp.Combine("d/text"), null, "missing: a Kaldi data directory needs wav.scp and text")],
            Problems.Of(() => KaldiReader.Read(temp.Combine("d"))).Problems);
    }
}
