using System.Text.Json;
using Cluster.Torch;
using Cluster.Torch.Modules;
using Cluster.Torch.Safetensors;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Models.Whisper;

/// <summary>
/// Hugging Face checkpoint directories for <see cref="Whisper"/>: <c>config.json</c> plus <c>model.safetensors</c> or a
/// sharded <c>model.safetensors.index.json</c>. Pickles are refused, never opened (DESIGN.md §5: checkpoints are never
/// pickle).
/// </summary>
internal static class WhisperCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    // Tied to the token embedding, so transformers does not store it; tolerated when a checkpoint does.
    private const string TiedOutputKey = "proj_out.weight";

    // Fixed sinusoids: transformers stores them, but a checkpoint without them loses nothing.
    private const string EncoderPositionsKey = "model.encoder.embed_positions.weight";

    private static readonly string[] PickleExtensions = [".pt", ".pth", ".bin", ".ckpt", ".pkl", ".pickle"];

    public static Whisper Load(string directory, Device? device)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (File.Exists(directory))
        {
            if (IsPickle(directory)) throw PickleRefused(directory);
            throw new ArgumentException($"{directory} is a file; FromPretrained takes the checkpoint directory holding {ConfigFile} and {WeightsFile}", nameof(directory));
        }
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Whisper checkpoint directory not found: {directory}");

        var weightFiles = WeightFiles(directory);
        var config = WhisperConfig.Load(Path.Combine(directory, ConfigFile));
        var model = new Whisper(config);
        try
        {
            CheckKeys(model, weightFiles, directory);
            foreach (var file in weightFiles)
            {
                using var scope = NewDisposeScope();
                var state = load_safetensors(file);
                state.Remove(TiedOutputKey);
                model.load_state_dict(state, strict: false);
            }
            return device is { } target ? model.to(target) : model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public static void Save(Whisper model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        using (var scope = NewDisposeScope())
        {
            var state = model.state_dict();
            // transformers refuses safetensors files whose metadata does not say which framework wrote them.
            save_safetensors(state, Path.Combine(directory, WeightsFile), new Dictionary<string, string> { ["format"] = "pt" });
        }
        model.Config.Save(Path.Combine(directory, ConfigFile));
    }

    // The files holding the weights, in load order. A single file wins over an index, as in transformers.
    private static List<string> WeightFiles(string directory)
    {
        string single = Path.Combine(directory, WeightsFile);
        if (File.Exists(single)) return [single];
        string index = Path.Combine(directory, IndexFile);
        if (File.Exists(index)) return Shards(index, directory);
        var pickle = Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal).FirstOrDefault(IsPickle);
        if (pickle is not null) throw PickleRefused(pickle);
        throw new FileNotFoundException($"{directory} has neither {WeightsFile} nor {IndexFile}", single);
    }

    private static List<string> Shards(string indexPath, string directory)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(indexPath));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{indexPath}: not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{indexPath}: required key 'weight_map' is missing or not an object");
            var shards = new List<string>();
            var keysOfShard = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"{indexPath}: weight_map[\"{entry.Name}\"] must be a file name");
                string name = entry.Value.GetString()!;
                // A shard name that climbs out of the checkpoint directory is a hostile index, not a checkpoint.
                if (name.Length == 0 || Path.GetFileName(name) != name)
                    throw new InvalidDataException($"{indexPath}: weight_map[\"{entry.Name}\"] = \"{name}\" is not a file name in the checkpoint directory");
                string path = Path.Combine(directory, name);
                if (!keysOfShard.TryGetValue(path, out var keys))
                {
                    if (!File.Exists(path)) throw new FileNotFoundException($"{indexPath} names shard {name}, which is missing", path);
                    keysOfShard[path] = keys = [];
                    shards.Add(path);
                }
                keys.Add(entry.Name);
            }
            foreach (var (path, keys) in keysOfShard)
            {
                using var file = SafetensorsFile.Open(path);
                var stored = file.Entries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
                var absent = keys.Where(k => !stored.Contains(k)).ToList();
                if (absent.Count > 0)
                    throw new InvalidDataException($"{indexPath} maps {Quoted(absent)} to {Path.GetFileName(path)}, which does not hold them");
            }
            return shards;
        }
    }

    // Strict loading across files: every key the model has must be stored somewhere and nothing else may be, except
    // the tied output projection and the fixed encoder positions.
    private static void CheckKeys(Whisper model, List<string> files, string directory)
    {
        var stored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in files)
        {
            using var file = SafetensorsFile.Open(path);
            foreach (var entry in file.Entries)
                if (!stored.Add(entry.Name)) throw new InvalidDataException($"{directory}: '{entry.Name}' is stored twice");
        }
        var expected = model.named_parameters().Select(p => p.name).Concat(model.named_buffers().Select(b => b.name)).ToHashSet(StringComparer.Ordinal);
        var missing = expected.Where(k => !stored.Contains(k) && k != EncoderPositionsKey).ToList();
        var unexpected = stored.Where(k => !expected.Contains(k) && !(k == TiedOutputKey && model.Config.TieWordEmbeddings)).ToList();
        var errors = new List<string>();
        if (missing.Count > 0) errors.Add($"missing key(s): {Quoted(missing)}");
        if (unexpected.Count > 0) errors.Add($"unexpected key(s): {Quoted(unexpected)}");
        if (errors.Count > 0)
            throw new InvalidDataException($"{directory}: the weights do not fit {ConfigFile} ({string.Join("; ", errors)})");
    }

    private static string Quoted(IEnumerable<string> keys) => string.Join(", ", keys.Order(StringComparer.Ordinal).Select(k => $"\"{k}\""));

    /// <summary>A PyTorch pickle by name or by its first bytes: a zip archive (torch.save since 1.6) or a raw pickle stream.</summary>
    internal static bool IsPickle(string path)
    {
        if (PickleExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase)) return true;
        Span<byte> head = stackalloc byte[4];
        int read;
        using (var stream = File.OpenRead(path)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        bool zip = read == 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4;
        bool pickle = read >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5;
        return zip || pickle;
    }

    private static InvalidDataException PickleRefused(string path) => new(
        $"{path} is a PyTorch pickle checkpoint. Pickles are never loaded: unpickling runs code from the file, a security risk, " +
        "so only safetensors are read. Convert it first, then point FromPretrained at the output folder: for an openai/whisper .pt file, " +
        "run transformers' convert_openai_to_hf.py (python convert_openai_to_hf.py --checkpoint_path MODEL.pt --pytorch_dump_folder_path OUT), " +
        "which writes config.json and model.safetensors; for a Hugging Face pytorch_model.bin, load it in transformers and call " +
        "save_pretrained(OUT, safe_serialization=True).");
}
