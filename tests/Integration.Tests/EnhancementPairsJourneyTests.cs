using System.Text.Json;
using Cluster.Speech.Audio;

namespace Cluster.Integration.Tests;

/// <summary>
/// The TF-GridNetV2 journey on noisy/clean pairs, as a user runs it with real processes: synthesize pairs, train on
/// <c>pairs.csv</c> with 1 DataNode and 2 GpuNodes to the first evaluation, evaluate on held-out pairs, and see the
/// same job on misaligned pairs refused before any node starts, with <c>cluster data validate</c>'s message. The job is
/// the shipped <c>jobs/tfgridnetv2-pairs.yaml</c> and the commands are those of <c>jobs/README.md</c>.
/// </summary>
[Collection(ClusterProcesses.Name)]
public sealed class EnhancementPairsJourneyTests : IDisposable
{
    private const string JobName = "tfgridnetv2-pairs";

    private readonly string directory = Path.Combine(Path.GetTempPath(), "cluster-enh-" + Guid.NewGuid().ToString("N"));

    public EnhancementPairsJourneyTests() => Directory.CreateDirectory(directory);

    [Fact]
    public void Pairs_train_to_the_first_evaluation_evaluate_on_held_out_pairs_and_misaligned_pairs_are_refused_at_start()
    {
        Succeeds("data", "synth", "enh", "--enhancement", "--utterances", "24", "--snr", "-5,0,5,10", "--seed", "3");
        Succeeds("data", "synth", "heldout", "--enhancement", "--utterances", "6", "--seed", "4");
        Assert.Contains("quarantined: 0 of 24", Succeeds("data", "validate", "enh/pairs.csv", "--enhancement"));
        File.Copy(ExampleJob(), Path.Combine(directory, "job.yaml"));

        string train = Succeeds("train", "job.yaml");
        Assert.Contains("24 training items", train);
        Assert.Contains("evaluation at step 6: si_snri", train);
        using (JsonDocument status = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "runs", JobName, "status.json"))))
        {
            JsonElement root = status.RootElement;
            Assert.Equal("finished", root.GetProperty("phase").GetString());
            Assert.Equal(root.GetProperty("ledger_batches").GetInt32(), root.GetProperty("ledger_committed").GetInt32());
            Assert.Equal(0, root.GetProperty("duplicate_commits").GetInt64());
        }
        Assert.True(File.Exists(Path.Combine(directory, "runs", JobName, "validation", "0-pairs.csv.validation.json")));
        // The run's curves (docs/cluster.md), drawn from its own records at the end.
        Assert.Contains("si_snri", File.ReadAllText(Path.Combine(directory, "runs", JobName, "evaluations.jsonl")));
        AssertPicture(Path.Combine(directory, "runs", JobName, "loss.png"), 1000, 500);
        AssertPicture(Path.Combine(directory, "runs", JobName, "eval.png"), 1000, 40 + 280 * CountMetrics());

        string eval = Succeeds("eval", "job.yaml", "--manifest", "heldout/pairs.csv", "--out", "report");
        Assert.Contains("over 6 pairs", eval);
        string report = Path.Combine(directory, "report");
        Assert.Equal(7, File.ReadAllLines(Path.Combine(report, "utterances.csv")).Length);
        Assert.StartsWith("id,si_snr_noisy,si_snr_enhanced,si_snri", File.ReadAllLines(Path.Combine(report, "utterances.csv"))[0]);
        Assert.True(File.Exists(Path.Combine(report, "summary.md")));
        using (JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "summary.json"))))
            Assert.Equal(6, summary.RootElement.GetProperty("count").GetInt32());
        string[] plots = Directory.GetFiles(Path.Combine(report, "plots"), "*.png", SearchOption.AllDirectories);
        Assert.NotEmpty(plots);
        Assert.All(plots, png => AssertPicture(png, 1280, 900));

        // A copy whose clean files are half a second late for a quarter of the pairs: same lengths, misaligned speech.
        CopyDirectory(Path.Combine(directory, "enh"), Path.Combine(directory, "shifted", "enh"));
        CopyDirectory(Path.Combine(directory, "heldout"), Path.Combine(directory, "shifted", "heldout"));
        string[] cleanFiles = Directory.GetFiles(Path.Combine(directory, "shifted", "enh", "clean"), "*.wav").Order(StringComparer.Ordinal).ToArray();
        foreach (string clean in cleanFiles.Take(6)) ShiftLater(clean, seconds: 0.5);
        string shifted = Path.Combine(directory, "shifted");
        File.Copy(ExampleJob(), Path.Combine(shifted, "job.yaml"));

        var (validateCode, validate) = ClusterCli.Run(shifted, "data", "validate", Path.Combine(shifted, "enh", "pairs.csv"), "--enhancement");
        Assert.Equal(1, validateCode);
        const string Refuses = "training would refuse to start: ";
        // Its line only: other lines (a warning on stderr, say) may come after it in the merged output.
        string refusal = validate[(validate.IndexOf(Refuses, StringComparison.Ordinal) + Refuses.Length)..].Split('\n')[0].Trim();
        Assert.Contains("a model trained on them learns nothing", refusal);

        var (trainCode, refused) = ClusterCli.Run(shifted, "train", "job.yaml");
        Assert.NotEqual(0, trainCode);
        Assert.Contains("fails validation: " + refusal, refused);
        Assert.DoesNotContain("joined", refused);
        Assert.False(Directory.Exists(Path.Combine(shifted, "runs", JobName, "logs")), "no node was started");
        Assert.False(Directory.Exists(Path.Combine(shifted, "checkpoints")));
    }

    /// <summary>A PNG of the size (decoded with SkiaSharp) with drawing on it: not blank, not one colour.</summary>
    private static void AssertPicture(string path, int width, int height)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        using SkiaSharp.SKBitmap bitmap = SkiaSharp.SKBitmap.Decode(bytes);
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        Assert.True(bitmap.Pixels.Distinct().Count() > 20, $"{path} has hardly any colours");
    }

    /// <summary>The metrics of the run's first evaluation: eval.png has a panel for each.</summary>
    private int CountMetrics()
    {
        string first = File.ReadLines(Path.Combine(directory, "runs", JobName, "evaluations.jsonl")).First();
        using JsonDocument line = JsonDocument.Parse(first);
        return line.RootElement.GetProperty("metrics").EnumerateObject().Count();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A node's log may still be open for a moment after the job ended; the temp folder is cleaned later.
        }
    }

    private string Succeeds(params string[] arguments)
    {
        var (code, output) = ClusterCli.Run(directory, arguments);
        Assert.True(code == 0, $"cluster {string.Join(' ', arguments)} exited {code}:\n{output}");
        return output;
    }

    private static string ExampleJob()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Cluster.sln"))) return Path.Combine(folder.FullName, "jobs", JobName + ".yaml");
        }

        throw new DirectoryNotFoundException($"no Cluster.sln above {AppContext.BaseDirectory}");
    }

    private static void ShiftLater(string path, double seconds)
    {
        AudioData audio = AudioFile.Read(path);
        int delay = (int)(seconds * audio.SampleRate);
        float[] samples = audio.Samples;
        float[] later = new float[samples.Length];
        Array.Copy(samples, 0, later, delay, samples.Length - delay);
        AudioFile.WriteWav(path, later, audio.SampleRate);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
