using Cluster.Speech.Text;
using Cluster.Torch;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Models.Whisper;

/// <summary>
/// Batched transcription with a key/value cache (openai/whisper's <c>DecodingTask</c> at temperature 0, without
/// timestamps): encode once, detect the language when asked to, build the prompt, then greedy or beam search with the
/// suppression filters resolved against the tokenizer.
/// </summary>
internal static class WhisperDecoding
{
    public static IReadOnlyList<WhisperTranscript> Run(Whisper model, Tensor mel, WhisperDecodingOptions options, WhisperTokenizer? tokenizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(mel);
        ArgumentNullException.ThrowIfNull(options);
        Check(options, model.Config, tokenizer);
        int eot = tokenizer?.EndOfText ?? model.Config.EosTokenId;
        int items = (int)mel.size(0);
        int group = options.BeamSize ?? 1;

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var audio = model.Encode(mel); // [B, S, C]
        var (prompts, languages) = Prompts(model, audio, options, tokenizer, items);
        int room = model.Config.MaxTargetPositions - prompts[0].Count;
        if (room < 1)
            throw new ArgumentException($"a prompt of {prompts[0].Count} tokens leaves no room in the text context of {model.Config.MaxTargetPositions}", nameof(options));

        var search = new TokenSearchOptions
        {
            EndOfText = eot,
            MaxNewTokens = Math.Min(options.MaxNewTokens, room),
            BeamSize = options.BeamSize,
            Patience = options.Patience,
            LengthPenalty = options.LengthPenalty,
            SuppressTokens = [.. Suppressed(options, tokenizer)],
            SuppressAtBegin = options.SuppressBlank ? [.. tokenizer?.Encode(" ") ?? [], eot] : [],
        };
        // Beam rows of an item are consecutive, all reading that item's audio.
        var rows = tensor(Enumerable.Range(0, items * group).Select(r => (long)(r / group)).ToArray(), new long[] { items * group }, audio.device);
        using var scorer = new WhisperStepScorer(model, audio.index_select(0, rows)); // [B·beam, S, C]
        var hypotheses = TokenSearch.Run(scorer, prompts, search);
        return hypotheses.Select((h, i) => new WhisperTranscript(
            h.Tokens,
            tokenizer?.Decode(h.Tokens, skipSpecialTokens: true).Trim(),
            languages?[i] ?? options.Language,
            h.SumLogProbability,
            h.AverageLogProbability)).ToList();
    }

    private static void Check(WhisperDecodingOptions options, WhisperConfig config, WhisperTokenizer? tokenizer)
    {
        if (options.MaxNewTokens is < 1 or > WhisperDecodingOptions.MaxTextTokens)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxNewTokens, $"MaxNewTokens must be between 1 and {WhisperDecodingOptions.MaxTextTokens}");
        if (options.BeamSize is < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BeamSize, "BeamSize must be at least 1");
        if (options.Patience is not null && options.BeamSize is null) throw new ArgumentException("Patience needs a BeamSize", nameof(options));
        if (options.LengthPenalty is { } alpha && !(alpha >= 0 && alpha <= 1))
            throw new ArgumentOutOfRangeException(nameof(options), alpha, "LengthPenalty must be between 0 and 1");
        if (tokenizer is not null && tokenizer.VocabularySize > config.VocabSize)
            throw new ArgumentException($"the tokenizer's {tokenizer.VocabularySize} tokens do not fit the model's vocabulary of {config.VocabSize}", nameof(tokenizer));
    }

    private static (IReadOnlyList<IReadOnlyList<int>> prompts, string[]? languages) Prompts(
        Whisper model, Tensor audio, WhisperDecodingOptions options, WhisperTokenizer? tokenizer, int items)
    {
        if (options.Prompt is { } prompt) return (Enumerable.Repeat(prompt, items).ToList(), null);
        if (tokenizer is null) return (Enumerable.Repeat<IReadOnlyList<int>>([model.Config.DecoderStartTokenId], items).ToList(), null);
        if (options.Language is not null || !tokenizer.IsMultilingual)
            return (Enumerable.Repeat<IReadOnlyList<int>>(tokenizer.GenerationPrompt(options.Language, options.Task), items).ToList(), null);
        var languages = DetectLanguages(model, audio, tokenizer);
        return (languages.Select(l => (IReadOnlyList<int>)tokenizer.GenerationPrompt(l, options.Task)).ToList(), languages);
    }

    // openai's detect_language: after the start-of-transcript token, the likeliest language token.
    private static string[] DetectLanguages(Whisper model, Tensor audio, WhisperTokenizer tokenizer)
    {
        using var scope = NewDisposeScope();
        var codes = tokenizer.LanguageCodes;
        var ids = tensor(codes.Select(c => (long)tokenizer.LanguageToken(c)).ToArray(), new long[] { codes.Count }, audio.device);
        var start = full([audio.size(0), 1], tokenizer.StartOfTranscript, int64, audio.device); // [B, 1]
        var logits = model.Decode(start, audio).select(1, 0); // [B, V]
        var best = logits.index_select(1, ids).argmax(-1).ToArray<long>(); // [B]
        return best.Select(i => codes[(int)i]).ToArray();
    }

    private static SortedSet<int> Suppressed(WhisperDecodingOptions options, WhisperTokenizer? tokenizer)
    {
        var tokens = new SortedSet<int>();
        foreach (int token in options.SuppressTokens)
        {
            if (token >= 0) tokens.Add(token);
            else if (token != -1) throw new ArgumentException($"SuppressTokens holds {token}; only token ids and -1 (non-speech symbols) are allowed", nameof(options));
            else if (tokenizer is not null) tokens.UnionWith(NonSpeechTokens.Of(tokenizer));
        }
        if (tokenizer is not null)
            tokens.UnionWith([tokenizer.Transcribe, tokenizer.Translate, tokenizer.StartOfTranscript, tokenizer.StartOfPrevious, tokenizer.StartOfLm, tokenizer.NoSpeech]);
        return tokens;
    }
}
