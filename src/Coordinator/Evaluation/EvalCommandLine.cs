using System.CommandLine;

namespace Cluster.Coordinator.Evaluation;

/// <summary><c>cluster eval</c>: the command-line face of <see cref="EvalRun"/>.</summary>
public static class EvalCommandLine
{
    public static Command Eval(TextWriter output, TextWriter error)
    {
        var job = new Argument<string>("job") { Description = "Job spec (YAML): the model, tokenizer, data and checkpoint folder" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Checkpoint directory (default: the newest valid one in the job's checkpointing.directory)" };
        var manifest = new Option<string?>("--manifest") { Description = "Manifest to evaluate, in the job's data format (default: the job's data.eval)" };
        var outputDirectory = new Option<string?>("--out") { Description = "Report folder (default: runs/NAME/eval-step-S next to the job spec); an earlier report there is replaced" };
        var device = new Option<string>("--device") { Description = "What the model runs on: cpu, cuda or cuda:N", DefaultValueFactory = _ => "cpu" };
        var batchSize = new Option<int?>("--batch-size") { Description = "Utterances read and run at once (default: the job's batching.batch_size)" };
        var beamSize = new Option<int?>("--beam-size") { Description = "Whisper: beam width, 1 decodes greedily (default: the job's evaluation.beam_size)" };
        var maxNewTokens = new Option<int?>("--max-new-tokens") { Description = "Whisper: tokens per transcript at most (default: the job's evaluation.generation_max_length)" };
        var worst = new Option<int?>("--worst") { Description = "Whisper: the first and the worst N transcripts in the summary (default 10); TF-GridNetV2: the best and the worst N pairs plotted (default 5)" };
        var command = new Command("eval", "Evaluate a checkpoint on a manifest: WER/CER (Whisper) or SI-SNRi (TF-GridNetV2), with a per-utterance report.");
        command.Arguments.Add(job);
        foreach (Option option in new Option[] { checkpoint, manifest, outputDirectory, device, batchSize, beamSize, maxNewTokens, worst }) command.Options.Add(option);
        command.SetAction(result => EvalRun.Run(
            new EvalOptions(result.GetValue(job)!, result.GetValue(checkpoint), result.GetValue(manifest), result.GetValue(outputDirectory),
                result.GetValue(device)!, result.GetValue(batchSize), result.GetValue(beamSize), result.GetValue(maxNewTokens), result.GetValue(worst)),
            output, error));
        return command;
    }
}
