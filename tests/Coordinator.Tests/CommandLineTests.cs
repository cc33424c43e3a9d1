using Cluster.Shared.Cli;

namespace Cluster.Coordinator.Tests;

public class CommandLineTests
{
    private static (int code, string output, string error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CommandLineApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void Unknown_commands_are_usage_errors()
    {
        var (code, _, error) = Run("bogus");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("bogus", error);
    }

    [Fact]
    public void Demo_rejects_bad_arguments_with_the_reason()
    {
        var (code, _, error) = Run("demo", "--steps", "3");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--steps must be at least 10", error);
        var (parseCode, _, parseError) = Run("demo", "--steps", "many");
        Assert.Equal(ExitCodes.Usage, parseCode);
        Assert.Contains("many", parseError);
    }

    [Fact]
    public void Data_synth_writes_a_corpus_the_readers_accept_and_rejects_bad_options()
    {
        var directory = Path.Combine(Path.GetTempPath(), "cluster-synth-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output, error) = Run("data", "synth", directory, "--languages", "cmn,en", "--utterances", "4", "--seed", "5");
            Assert.True(code == ExitCodes.Ok, output + error);
            Assert.Contains("wrote 4 utterances", output);
            var total = new[] { "train", "dev", "test" }.Sum(split => Cluster.Speech.Data.ManifestReader.Read(Path.Combine(directory, split + ".tsv")).Count);
            Assert.Equal(4, total);
            var (validCode, table, _) = Run("data", "validate", Path.Combine(directory, "train.tsv"));
            Assert.Equal(ExitCodes.Ok, validCode);
            Assert.Contains("unreadable audio", table);
            var train = Cluster.Speech.Data.ManifestReader.Read(Path.Combine(directory, "train.tsv"));
            File.WriteAllText(train.Utterances[0].AudioPath, "not audio");
            var json = Path.Combine(directory, "report.json");
            var (refusedCode, refusedTable, refusal) = Run("data", "validate", Path.Combine(directory, "train.tsv"), "--json", json);
            Assert.Equal(ExitCodes.Failure, refusedCode);
            Assert.Contains("training would refuse to start", refusal);
            Assert.Contains(train.Utterances[0].Id, refusedTable);
            Assert.True(File.Exists(json));
            var (badCode, _, badError) = Run("data", "synth", directory, "--languages", "klingon");
            Assert.Equal(ExitCodes.Usage, badCode);
            Assert.Contains("klingon", badError);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
