using Cluster.Speech.Data;

namespace Cluster.Speech.Tests.Data;

public sealed class EnhancementManifestTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Reads_pairs_from_csv_with_noisy_and_clean_columns()
    {
        string csv = temp.Write("vb/train.csv", "id,noisy,clean,duration,note\np226_001,noisy/p226_001.wav,clean/p226_001.wav,2.1,\"a, b\"\n");

        EnhancementPair pair = Assert.Single(EnhancementManifestReader.Read(csv).Pairs);

        Assert.Equal(new EnhancementPair("p226_001", temp.Combine("vb/noisy/p226_001.wav"), temp.Combine("vb/clean/p226_001.wav")) { Duration = 2.1 }, pair);
    }

    [Fact]
    public void Reads_pairs_from_tsv_with_path_suffixed_columns_and_defaults_the_id_to_the_noisy_path()
    {
        string tsv = temp.Write("pairs.tsv", "noisy_path\tclean_path\nn/1.wav\t/clean/1.wav\n");

        EnhancementPair pair = Assert.Single(EnhancementManifestReader.Read(tsv).Pairs);

        Assert.Equal(new EnhancementPair("n/1.wav", temp.Combine("n/1.wav"), "/clean/1.wav"), pair);
    }

    [Fact]
    public void Reads_pairs_from_jsonl()
    {
        string jsonl = temp.Write("pairs.jsonl", "{\"id\": \"a\", \"noisy\": \"n/a.flac\", \"clean\": \"c/a.flac\", \"duration\": 4}\n");

        Assert.Equal(new EnhancementPair("a", temp.Combine("n/a.flac"), temp.Combine("c/a.flac")) { Duration = 4 },
            Assert.Single(EnhancementManifestReader.Read(jsonl).Pairs));
    }

    [Fact]
    public void A_table_without_a_clean_column_is_reported_at_the_header()
    {
        string csv = temp.Write("pairs.csv", "noisy,target\nn.wav,c.wav\n");

        Assert.Equal([(1, "missing column 'clean' or 'clean_path' (the header has: noisy, target)")],
            Problems.Lines(() => EnhancementManifestReader.Read(csv)));
    }

    [Fact]
    public void Jsonl_records_without_a_partner_or_with_a_repeated_id_are_reported()
    {
        string jsonl = temp.Write("pairs.jsonl",
            "{\"noisy\": \"n/a.wav\", \"clean\": \"c/a.wav\"}\n{\"noisy\": \"n/b.wav\"}\n{\"noisy\": \"n/a.wav\", \"clean\": \"c/x.wav\"}\n");

        Assert.Equal(
            [(2, "missing required field 'clean' or 'clean_path'"), (3, "duplicate id 'n/a.wav' (first on line 1)")],
            Problems.Lines(() => EnhancementManifestReader.Read(jsonl)));
    }

    [Fact]
    public void Folders_pair_audio_files_by_relative_path_sorted_by_name()
    {
        foreach (string name in (string[])["p2.wav", "p1.wav", "sub/p3.flac"])
        {
            temp.Write($"noisy/{name}", "");
            temp.Write($"clean/{name}", "");
        }

        temp.Write("noisy/README.txt", "not audio");

        EnhancementManifest manifest = EnhancementManifest.FromFolders(temp.Combine("noisy"), temp.Combine("clean"));

        Assert.Equal(["p1", "p2", "sub/p3"], manifest.Pairs.Select(p => p.Id));
        Assert.Equal(temp.Combine("noisy/sub/p3.flac"), manifest.Pairs[2].NoisyPath);
        Assert.Equal(temp.Combine("clean/sub/p3.flac"), manifest.Pairs[2].CleanPath);
    }

    [Fact]
    public void Folders_with_files_missing_a_partner_list_every_such_file()
    {
        foreach (string name in (string[])["both.wav", "noisy-only.wav", "other.wav"]) temp.Write($"noisy/{name}", "");
        foreach (string name in (string[])["both.wav", "clean-only.wav", "other.flac"]) temp.Write($"clean/{name}", "");

        var e = Problems.Of(() => EnhancementManifest.FromFolders(temp.Combine("noisy"), temp.Combine("clean")));

        Assert.Equal(
            [
                new ManifestProblem(temp.Combine("clean/clean-only.wav"), null, $"no noisy partner: {temp.Combine("noisy")} has no 'clean-only.wav'"),
                new ManifestProblem(temp.Combine("clean/other.flac"), null, $"no noisy partner: {temp.Combine("noisy")} has no 'other.flac'"),
                new ManifestProblem(temp.Combine("noisy/noisy-only.wav"), null, $"no clean partner: {temp.Combine("clean")} has no 'noisy-only.wav'"),
                new ManifestProblem(temp.Combine("noisy/other.wav"), null, $"no clean partner: {temp.Combine("clean")} has no 'other.wav'"),
            ],
            e.Problems);
        Assert.Contains($"{temp.Combine("noisy/noisy-only.wav")}: no clean partner", e.Message);
    }

    [Fact]
    public void A_missing_folder_is_not_found()
    {
        Directory.CreateDirectory(temp.Combine("noisy"));

        Assert.Throws<DirectoryNotFoundException>(() => EnhancementManifest.FromFolders(temp.Combine("noisy"), temp.Combine("clean")));
    }
}
