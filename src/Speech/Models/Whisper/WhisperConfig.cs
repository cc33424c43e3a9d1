using System.Text;
using System.Text.Json;
using Cluster.Speech.Data;

namespace Cluster.Speech.Models.Whisper;

/// <summary>
/// The dimensions of a Whisper model, spelled as Hugging Face's <c>config.json</c> spells them so that a checkpoint
/// directory written here loads in <c>transformers</c> and the other way round. The model is rebuilt from this record
/// alone (DESIGN.md §3), so it travels with the weights.
/// </summary>
/// <remarks>
/// <c>scale_embedding</c> is read and written back but, as in <c>transformers</c> (which computes the scale and never
/// applies it) and openai/whisper (which has no such option), it does not change the model.
/// </remarks>
public sealed record WhisperConfig
{
    public required int NumMelBins { get; init; }
    public required int DModel { get; init; }
    public required int EncoderLayers { get; init; }
    public required int EncoderAttentionHeads { get; init; }
    public required int EncoderFfnDim { get; init; }
    public required int DecoderLayers { get; init; }
    public required int DecoderAttentionHeads { get; init; }
    public required int DecoderFfnDim { get; init; }

    /// <summary>Encoder positions: the number of frames after the stride-2 convolution (1500 for 30 s).</summary>
    public required int MaxSourcePositions { get; init; }

    /// <summary>Decoder positions, the text context (448 in every released model).</summary>
    public required int MaxTargetPositions { get; init; }

    public required int VocabSize { get; init; }
    public required int EosTokenId { get; init; }
    public required int DecoderStartTokenId { get; init; }
    public required int PadTokenId { get; init; }
    public required int BosTokenId { get; init; }

    /// <summary><c>gelu</c> (exact, erf) as released; <c>gelu_new</c> / <c>gelu_pytorch_tanh</c> take the tanh form.</summary>
    public string ActivationFunction { get; init; } = "gelu";

    public bool ScaleEmbedding { get; init; }

    /// <summary>Logits come from the token embedding (every released model); false adds a stored <c>proj_out</c>.</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary>Dropout on residual branches and embeddings while training (Hugging Face's <c>dropout</c>).</summary>
    public double Dropout { get; init; }

    /// <summary>Dropout on attention weights while training.</summary>
    public double AttentionDropout { get; init; }

    /// <summary>Dropout after the feed-forward activation while training.</summary>
    public double ActivationDropout { get; init; }

    /// <summary>Mel frames the encoder takes: twice <see cref="MaxSourcePositions"/> (3000 for 30 s).</summary>
    public int InputFrames => 2 * MaxSourcePositions;

    /// <summary>The released sizes, each as <c>transformers</c> publishes its config.</summary>
    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "base", "small", "medium", "large", "large-v2", "large-v3"];

    /// <summary>A released size by name (see <see cref="PresetNames"/>): multilingual vocabulary, 30 s of audio, 448 text positions.</summary>
    /// <exception cref="ArgumentException">An unknown name.</exception>
    public static WhisperConfig Preset(string name) => name switch
    {
        "tiny" => Released(384, 6, 4),
        "base" => Released(512, 8, 6),
        "small" => Released(768, 12, 12),
        "medium" => Released(1024, 16, 24),
        "large" or "large-v2" => Released(1280, 20, 32),
        // large-v3 widened the front end to 128 mel bins and added Cantonese to the languages.
        "large-v3" => Released(1280, 20, 32) with { NumMelBins = 128, VocabSize = 51866 },
        _ => throw new ArgumentException($"unknown Whisper size '{name}'; known: {string.Join(", ", PresetNames)}", nameof(name)),
    };

    private static WhisperConfig Released(int width, int heads, int layers) => new()
    {
        NumMelBins = 80,
        DModel = width,
        EncoderLayers = layers,
        EncoderAttentionHeads = heads,
        EncoderFfnDim = 4 * width,
        DecoderLayers = layers,
        DecoderAttentionHeads = heads,
        DecoderFfnDim = 4 * width,
        MaxSourcePositions = 1500,
        MaxTargetPositions = 448,
        VocabSize = 51865,
        EosTokenId = 50257,
        PadTokenId = 50257,
        BosTokenId = 50257,
        DecoderStartTokenId = 50258,
    };

    /// <summary>Reads a Hugging Face <c>config.json</c>. Keys this model does not use are ignored.</summary>
    /// <exception cref="InvalidDataException">A required key is missing or a value is malformed or inconsistent; the
    /// message names the key and the file.</exception>
    public static WhisperConfig Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException e)
        {
            throw new FileNotFoundException($"Whisper config not found: {path}", path, e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses <c>config.json</c> text; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">As <see cref="Load"/>.</exception>
    public static WhisperConfig Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{source}: expected a JSON object");
            int eos = Int(root, "eos_token_id", source);
            var config = new WhisperConfig
            {
                NumMelBins = Int(root, "num_mel_bins", source),
                DModel = Int(root, "d_model", source),
                EncoderLayers = Int(root, "encoder_layers", source),
                EncoderAttentionHeads = Int(root, "encoder_attention_heads", source),
                EncoderFfnDim = Int(root, "encoder_ffn_dim", source),
                DecoderLayers = Int(root, "decoder_layers", source),
                DecoderAttentionHeads = Int(root, "decoder_attention_heads", source),
                DecoderFfnDim = Int(root, "decoder_ffn_dim", source),
                MaxSourcePositions = Int(root, "max_source_positions", source),
                MaxTargetPositions = Int(root, "max_target_positions", source),
                VocabSize = Int(root, "vocab_size", source),
                EosTokenId = eos,
                DecoderStartTokenId = Int(root, "decoder_start_token_id", source),
                // Whisper pads and begins with end-of-text; configs that leave these out mean the same.
                PadTokenId = Int(root, "pad_token_id", source, eos),
                BosTokenId = Int(root, "bos_token_id", source, eos),
                ActivationFunction = String(root, "activation_function", source, "gelu"),
                ScaleEmbedding = Bool(root, "scale_embedding", source, false),
                TieWordEmbeddings = Bool(root, "tie_word_embeddings", source, true),
                Dropout = Double(root, "dropout", source, 0),
                AttentionDropout = Double(root, "attention_dropout", source, 0),
                ActivationDropout = Double(root, "activation_dropout", source, 0),
            };
            config.Validate(source);
            return config;
        }
    }

    /// <summary>Checks that the dimensions describe a buildable model.</summary>
    /// <exception cref="InvalidDataException">They do not; the message names the key and <paramref name="source"/>.</exception>
    public void Validate(string source = "config")
    {
        Positive(NumMelBins, "num_mel_bins");
        Positive(EncoderLayers, "encoder_layers");
        Positive(DecoderLayers, "decoder_layers");
        Positive(EncoderFfnDim, "encoder_ffn_dim");
        Positive(DecoderFfnDim, "decoder_ffn_dim");
        Positive(MaxSourcePositions, "max_source_positions");
        Positive(MaxTargetPositions, "max_target_positions");
        Positive(VocabSize, "vocab_size");
        // sinusoids() divides by channels/2 - 1, so the width must be even and at least 4.
        if (DModel < 4 || DModel % 2 != 0) Fail("d_model", $"must be even and at least 4, got {DModel}");
        Heads(EncoderAttentionHeads, "encoder_attention_heads");
        Heads(DecoderAttentionHeads, "decoder_attention_heads");
        TokenId(EosTokenId, "eos_token_id");
        TokenId(DecoderStartTokenId, "decoder_start_token_id");
        TokenId(PadTokenId, "pad_token_id");
        TokenId(BosTokenId, "bos_token_id");
        if (ActivationFunction is not ("gelu" or "gelu_new" or "gelu_pytorch_tanh"))
            Fail("activation_function", $"'{ActivationFunction}' is not a Whisper activation (gelu, gelu_new, gelu_pytorch_tanh)");
        Probability(Dropout, "dropout");
        Probability(AttentionDropout, "attention_dropout");
        Probability(ActivationDropout, "activation_dropout");

        void Positive(int value, string key)
        {
            if (value <= 0) Fail(key, $"must be positive, got {value}");
        }

        void Heads(int heads, string key)
        {
            if (heads <= 0 || DModel % heads != 0) Fail(key, $"must divide d_model {DModel}, got {heads}");
        }

        void TokenId(int id, string key)
        {
            if (id < 0 || id >= VocabSize) Fail(key, $"{id} is outside the vocabulary of {VocabSize}");
        }

        void Probability(double p, string key)
        {
            if (!(p >= 0 && p < 1)) Fail(key, $"must be in [0, 1), got {p}");
        }

        void Fail(string key, string problem) => throw new InvalidDataException($"{source}: '{key}' {problem}");
    }

    /// <summary>The Hugging Face <c>config.json</c> text, with the architecture and model type <c>transformers</c> dispatches on.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteStartArray("architectures");
            json.WriteStringValue("WhisperForConditionalGeneration");
            json.WriteEndArray();
            json.WriteString("model_type", "whisper");
            json.WriteNumber("num_mel_bins", NumMelBins);
            json.WriteNumber("max_source_positions", MaxSourcePositions);
            json.WriteNumber("d_model", DModel);
            json.WriteNumber("encoder_attention_heads", EncoderAttentionHeads);
            json.WriteNumber("encoder_layers", EncoderLayers);
            json.WriteNumber("encoder_ffn_dim", EncoderFfnDim);
            json.WriteNumber("decoder_attention_heads", DecoderAttentionHeads);
            json.WriteNumber("decoder_layers", DecoderLayers);
            json.WriteNumber("decoder_ffn_dim", DecoderFfnDim);
            json.WriteNumber("max_target_positions", MaxTargetPositions);
            json.WriteNumber("vocab_size", VocabSize);
            json.WriteString("activation_function", ActivationFunction);
            json.WriteBoolean("scale_embedding", ScaleEmbedding);
            json.WriteNumber("pad_token_id", PadTokenId);
            json.WriteNumber("bos_token_id", BosTokenId);
            json.WriteNumber("eos_token_id", EosTokenId);
            json.WriteNumber("decoder_start_token_id", DecoderStartTokenId);
            json.WriteBoolean("tie_word_embeddings", TieWordEmbeddings);
            json.WriteNumber("dropout", Dropout);
            json.WriteNumber("attention_dropout", AttentionDropout);
            json.WriteNumber("activation_dropout", ActivationDropout);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically.</summary>
    public void Save(string path)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(ToJson());
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    private static JsonElement? Find(JsonElement root, string key) =>
        root.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static int Int(JsonElement root, string key, string source, int? fallback = null)
    {
        if (Find(root, key) is not { } value)
            return fallback ?? throw new InvalidDataException($"{source}: required key '{key}' is missing");
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int result)) return result;
        throw new InvalidDataException($"{source}: '{key}' must be an integer, got {value.GetRawText()}");
    }

    private static double Double(JsonElement root, string key, string source, double fallback)
    {
        if (Find(root, key) is not { } value) return fallback;
        if (value.ValueKind == JsonValueKind.Number) return value.GetDouble();
        throw new InvalidDataException($"{source}: '{key}' must be a number, got {value.GetRawText()}");
    }

    private static bool Bool(JsonElement root, string key, string source, bool fallback)
    {
        if (Find(root, key) is not { } value) return fallback;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"{source}: '{key}' must be true or false, got {value.GetRawText()}"),
        };
    }

    private static string String(JsonElement root, string key, string source, string fallback)
    {
        if (Find(root, key) is not { } value) return fallback;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidDataException($"{source}: '{key}' must be a string, got {value.GetRawText()}");
    }
}
