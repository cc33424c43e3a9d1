using System.Security.Cryptography;
using System.Text;
using Cluster.Shared.Checkpoints;

namespace Cluster.Shared.Tests.Checkpoints;

public sealed class CheckpointStoreTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), $"checkpoint-store-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    private static Dictionary<string, byte[]> Contents(long step) => new()
    {
        [CheckpointLayout.ModelFile] = Encoding.UTF8.GetBytes($"model weights of step {step}" + new string('w', 5000)),
        [CheckpointLayout.OptimizerFile] = Encoding.UTF8.GetBytes($"optimizer of step {step}"),
        [CheckpointLayout.TrainerStateFile] = Encoding.UTF8.GetBytes($"{{\"step\": {step}}}"),
        [CheckpointLayout.ConfigFile] = Encoding.UTF8.GetBytes("{\"d_model\": 384}"),
    };

    private static CheckpointFile[] Files(long step) => [.. Contents(step).Select(pair => CheckpointFile.Bytes(pair.Key, pair.Value))];

    private CheckpointInfo Write(CheckpointStore store, long step, double? cer = null) =>
        store.Write(step, Files(step), cer is double value ? new Dictionary<string, double> { ["cer"] = value } : null);

    [Fact]
    public void A_written_checkpoint_lists_every_file_with_its_size_and_sha256_and_verifies()
    {
        var store = new CheckpointStore(root);

        CheckpointInfo written = Write(store, 500, cer: 0.2);

        Assert.Equal(Path.Combine(root, "checkpoint-500"), written.Path);
        CheckpointVerdict verdict = store.Verify(written);
        Assert.True(verdict.IsValid, verdict.Problem);
        Assert.Equal(0.2, verdict.Manifest!.Metrics["cer"]);
        foreach (var (name, content) in Contents(500))
        {
            ManifestEntry entry = Assert.Single(verdict.Manifest.Files, f => f.Name == name);
            Assert.Equal(content.Length, entry.Size);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), entry.Sha256);
            Assert.Equal(content, File.ReadAllBytes(Path.Combine(written.Path, name)));
        }

        Assert.Equal([CheckpointLayout.ConfigFile, CheckpointLayout.ManifestFile, CheckpointLayout.ModelFile, CheckpointLayout.OptimizerFile, CheckpointLayout.TrainerStateFile],
            Directory.EnumerateFiles(written.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["checkpoint-500"], Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName));
    }

    [Fact]
    public void A_truncated_latest_falls_back_to_the_previous_with_the_reason()
    {
        var store = new CheckpointStore(root);
        Write(store, 100);
        CheckpointInfo latest = Write(store, 200);
        string model = Path.Combine(latest.Path, CheckpointLayout.ModelFile);
        using (var stream = new FileStream(model, FileMode.Open)) stream.SetLength(stream.Length / 2);

        CheckpointSelection selection = store.LatestValid();

        Assert.Equal(100, selection.Chosen!.Checkpoint.Step);
        CheckpointVerdict rejected = Assert.Single(selection.Rejected);
        Assert.Equal(200, rejected.Checkpoint.Step);
        Assert.Contains("model.safetensors", rejected.Problem);
        Assert.Contains("truncated", rejected.Problem);
    }

    [Fact]
    public void A_bit_flip_is_found_by_the_hash_but_not_by_the_size_check()
    {
        var store = new CheckpointStore(root);
        Write(store, 100);
        CheckpointInfo latest = Write(store, 200);
        string optimizer = Path.Combine(latest.Path, CheckpointLayout.OptimizerFile);
        byte[] bytes = File.ReadAllBytes(optimizer);
        bytes[3] ^= 0x10;
        File.WriteAllBytes(optimizer, bytes);

        Assert.True(store.Verify(latest, hashes: false).IsValid);
        CheckpointSelection selection = store.LatestValid();
        Assert.Equal(100, selection.Chosen!.Checkpoint.Step);
        Assert.Contains("corrupted", Assert.Single(selection.Rejected).Problem);
    }

    [Theory]
    [InlineData("manifest", "never completed")]
    [InlineData("extra", "not in the manifest")]
    [InlineData("garbage", "not a checkpoint manifest")]
    [InlineData("renamed", "the manifest is for step 300")]
    public void Incomplete_or_tampered_checkpoints_are_refused(string damage, string reason)
    {
        var store = new CheckpointStore(root);
        CheckpointInfo checkpoint = Write(store, 300);
        string manifest = Path.Combine(checkpoint.Path, CheckpointLayout.ManifestFile);
        switch (damage)
        {
            case "manifest": File.Delete(manifest); break;
            case "extra": File.WriteAllText(Path.Combine(checkpoint.Path, "notes.txt"), "x"); break;
            case "garbage": File.WriteAllText(manifest, "{\"step\": 300"); break;
            case "renamed":
                Directory.Move(checkpoint.Path, Path.Combine(root, "checkpoint-301"));
                checkpoint = store.List().Single();
                break;
        }

        CheckpointVerdict verdict = store.Verify(checkpoint);

        Assert.False(verdict.IsValid);
        Assert.Contains(reason, verdict.Problem);
        Assert.Null(store.LatestValid().Chosen);
    }

    [Fact]
    public void A_failing_writer_leaves_nothing_behind()
    {
        var store = new CheckpointStore(root);
        Write(store, 100);
        CheckpointFile[] files = [.. Files(200).Where(f => f.Name != CheckpointLayout.ModelFile),
            new CheckpointFile(CheckpointLayout.ModelFile, path =>
            {
                File.WriteAllText(path, "half");
                throw new IOException("disk full");
            })];

        Assert.Throws<IOException>(() => store.Write(200, files));

        Assert.Equal(["checkpoint-100"], Directory.EnumerateFileSystemEntries(root).Select(Path.GetFileName));
    }

    [Fact]
    public void Leftovers_of_a_crashed_writer_are_not_listed_and_are_removed_by_the_next_write()
    {
        var store = new CheckpointStore(root);
        Directory.CreateDirectory(Path.Combine(root, ".checkpoint-700.tmp-0123"));
        Directory.CreateDirectory(Path.Combine(root, "checkpoint-0700"));

        Assert.Empty(store.List());
        Write(store, 800);

        Assert.False(Directory.Exists(Path.Combine(root, ".checkpoint-700.tmp-0123")));
        Assert.Equal([800L], store.List().Select(c => c.Step));
    }

    [Fact]
    public void Writing_a_step_again_replaces_the_checkpoint()
    {
        var store = new CheckpointStore(root);
        Write(store, 100);
        File.Delete(Path.Combine(root, "checkpoint-100", CheckpointLayout.ManifestFile));

        CheckpointInfo again = Write(store, 100);

        Assert.True(store.Verify(again).IsValid);
        Assert.Single(store.List());
    }

    [Fact]
    public void Missing_required_files_and_bad_names_are_refused_before_anything_is_written()
    {
        var store = new CheckpointStore(root);

        Assert.Contains("optimizer.safetensors", Assert.Throws<ArgumentException>(() =>
            store.Write(1, [.. Files(1).Where(f => f.Name != CheckpointLayout.OptimizerFile)])).Message);
        Assert.Contains("not a plain file name", Assert.Throws<ArgumentException>(() =>
            store.Write(1, [.. Files(1), CheckpointFile.Bytes("../escape", [1])])).Message);
        Assert.Contains("written by the store", Assert.Throws<ArgumentException>(() =>
            store.Write(1, [.. Files(1), CheckpointFile.Bytes(CheckpointLayout.ManifestFile, [1])])).Message);
        Assert.False(Directory.Exists(Path.Combine(root, "checkpoint-1")));
    }

    [Fact]
    public void Retention_deletes_what_the_policy_does_not_keep()
    {
        var store = new CheckpointStore(root);
        double[] cers = [0.50, 0.10, double.NaN, 0.30, 0.35];
        for (int i = 0; i < cers.Length; i++) Write(store, (i + 1) * 100, cers[i]);

        RetentionDecision decision = store.ApplyRetention(new RetentionPolicy(keepLast: 2, keepBest: 1, "cer", MetricMode.Min));

        Assert.Equal([100L, 300], decision.Delete);
        Assert.Equal([200L, 400, 500], store.List().Select(c => c.Step));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(root), path => Path.GetFileName(path).StartsWith('.'));
    }
}
