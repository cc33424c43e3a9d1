using Cluster.Speech.Models.Whisper;
using Cluster.Speech.Tests.Text;
using Cluster.Torch;
using Cluster.Torch.Modules;
using Xunit.Abstractions;
using static Cluster.Torch.torch;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.Speech.Tests.Models.Whisper;

/// <summary>Decoding with the model: the Python reference's sequences, the key/value cache, limits and suppression.</summary>
[Collection(GlobalRandomCollection.Name)]
public sealed class WhisperDecodingTests(ITestOutputHelper output)
{
    // What tests/tools/whisper_reference.py ran: prompt [decoder_start], no logit filters, 20 new tokens.
    private static readonly WhisperDecodingOptions Reference = new() { MaxNewTokens = 20, SuppressBlank = false, SuppressTokens = [] };

    [Theory]
    [InlineData("greedy", null)]
    [InlineData("beam", 3)]
    public void Decoding_the_golden_mel_reproduces_the_python_reference(string search, int? beam)
    {
        using var scope = NewDisposeScope();
        using var model = TinyWhisper.Load();
        var io = TinyWhisper.Io();

        var transcripts = model.Generate(io["mel"], Reference with { BeamSize = beam });

        var expected = TinyWhisper.ReferenceItems(search).ToList();
        Assert.Equal(expected.Count, transcripts.Count);
        foreach (var (transcript, (tokens, sum)) in transcripts.Zip(expected))
        {
            Assert.Equal(tokens, transcript.Tokens);
            Assert.Equal(sum, transcript.SumLogProbability, 3);
            Assert.Equal(sum / (tokens.Length + 1), transcript.AverageLogProbability, 3);
            Assert.Null(transcript.Text);
            output.WriteLine($"{search}: {string.Join(' ', transcript.Tokens)} (sum log p {transcript.SumLogProbability:F4} vs {sum:F4})");
        }
    }

    [Fact]
    public void Cached_decoding_gives_the_logits_of_full_recomputation_also_after_reordering()
    {
        using var scope = NewDisposeScope();
        using var model = TinyWhisper.Load();
        var io = TinyWhisper.Io();
        using var noGrad = no_grad();
        var audio = model.Encode(io["mel"]); // [2, 100, 64]
        var tokens = io["tokens"]; // [2, 12]
        var full = model.Decode(tokens, audio); // [2, 12, V]
        var swapped = tensor(new long[] { 1, 0 }, 2);
        var fullSwapped = model.Decode(tokens.index_select(0, swapped), audio.index_select(0, swapped));

        using var cache = new WhisperKvCache();
        double worst = TinyWhisper.MaxAbsDifference(model.Decode(tokens[.., ..4], audio, cache), full[.., ..4]);
        for (int t = 4; t < 8; t++)
            worst = Math.Max(worst, TinyWhisper.MaxAbsDifference(model.Decode(tokens[.., t..(t + 1)], audio, cache), full[.., t..(t + 1)]));
        cache.Reorder([1, 0]);
        for (int t = 8; t < 12; t++)
        {
            var step = model.Decode(tokens.index_select(0, swapped)[.., t..(t + 1)], audio, cache);
            worst = Math.Max(worst, TinyWhisper.MaxAbsDifference(step, fullSwapped[.., t..(t + 1)]));
        }

        Assert.Equal(12, cache.Length);
        output.WriteLine($"cached vs full logits: max |difference| = {worst:E2}");
        Assert.True(worst <= 1e-5, $"max |difference| = {worst:E2}");
    }

    [Fact]
    public void Decoding_stops_at_the_text_context_and_max_new_tokens_is_at_most_448()
    {
        using var scope = NewDisposeScope();
        using var model = TinyWhisper.Load();
        var mel = TinyWhisper.Io()["mel"];
        var neverEnding = new WhisperDecodingOptions { SuppressBlank = false, SuppressTokens = [model.Config.EosTokenId] };

        Assert.Equal(7, model.Generate(mel, neverEnding with { MaxNewTokens = 7 })[0].Tokens.Count);
        // The golden model has 64 text positions: the prompt takes one.
        Assert.All(model.Generate(mel, neverEnding with { MaxNewTokens = 448 }), t => Assert.Equal(63, t.Tokens.Count));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(mel, neverEnding with { MaxNewTokens = 449 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(mel, neverEnding with { MaxNewTokens = 0 }));
        Assert.Throws<ArgumentException>(() => model.Generate(mel, neverEnding with { Prompt = Enumerable.Repeat(1000, 64).ToArray() }));
        using var cache = new WhisperKvCache();
        Assert.Throws<ArgumentException>(() => model.Decode(zeros([1, 65], int64), model.Encode(mel[..1]), cache));
    }

    [Fact]
    public void A_448_position_model_generates_at_most_448_positions()
    {
        using var scope = NewDisposeScope();
        var tokenizer = TokenizerFixtures.Multilingual;
        using var model = Steered(tokenizer, blank: 1.0, paren: 0.9, endOfText: 0.95);

        var transcript = model.Generate(Mel(1), new WhisperDecodingOptions { Language = "en", MaxNewTokens = 448 }, tokenizer).Single();

        // [SOT, en, transcribe, notimestamps] + 444 new tokens fill the 448 positions.
        Assert.Equal(448 - 4, transcript.Tokens.Count);
    }

    [Fact]
    public void Suppress_blank_and_the_non_speech_symbols_shape_what_a_steered_model_says()
    {
        using var scope = NewDisposeScope();
        var tokenizer = TokenizerFixtures.Multilingual;
        int space = tokenizer.Encode(" ").Single(), paren = tokenizer.Encode("(").Single(), zh = tokenizer.LanguageToken("zh");
        // Every step prefers " ", then end-of-text, then "(", then <|zh|>, over everything else.
        using var model = Steered(tokenizer, blank: 1.0, paren: 0.9, endOfText: 0.95);
        var mel = Mel(2);
        var english = new WhisperDecodingOptions { Language = "en", MaxNewTokens = 4 };

        var plain = model.Generate(mel, english with { SuppressBlank = false, SuppressTokens = [] }, tokenizer);
        var noBlank = model.Generate(mel, english with { SuppressTokens = [] }, tokenizer);
        var defaults = model.Generate(mel, english, tokenizer);
        var beam = model.Generate(mel, english with { BeamSize = 2 }, tokenizer);

        Assert.All(plain, t => Assert.Equal([space, space, space, space], t.Tokens));
        Assert.All(noBlank, t => Assert.Equal([paren, space, space, space], t.Tokens));
        Assert.All(noBlank, t => Assert.Equal("(", t.Text));
        // "(" is a non-speech symbol and the control tokens are always out, so the first pick is <|zh|>.
        Assert.All(defaults, t => Assert.Equal([zh, space, space, space], t.Tokens));
        Assert.All(defaults, t => Assert.Equal("", t.Text));
        // Beam search suppresses the same way; it may end early, as end-of-text is a close second every step.
        Assert.All(beam, t => Assert.Equal(zh, t.Tokens[0]));
        Assert.All(beam, t => Assert.DoesNotContain(paren, t.Tokens));
    }

    [Fact]
    public void Without_a_language_a_multilingual_model_detects_it_first()
    {
        using var scope = NewDisposeScope();
        var tokenizer = TokenizerFixtures.Multilingual;
        using var model = Steered(tokenizer, blank: 1.0, paren: 0.9, endOfText: 0.95);

        var transcripts = model.Generate(Mel(2), new WhisperDecodingOptions { MaxNewTokens = 2 }, tokenizer);

        Assert.All(transcripts, t => Assert.Equal("zh", t.Language));
    }

    [Fact]
    public void The_default_suppression_is_transformers_suppress_tokens_for_the_multilingual_vocabulary()
    {
        var tokenizer = TokenizerFixtures.Multilingual;
        // generation_config.json of openai/whisper-* (multilingual): non-speech symbols plus the control tokens.
        int[] expected =
        [
            1, 2, 7, 8, 9, 10, 14, 25, 26, 27, 28, 29, 31, 58, 59, 60, 61, 62, 63, 90, 91, 92, 93, 359, 503, 522, 542, 873,
            893, 902, 918, 922, 931, 1350, 1853, 1982, 2460, 2627, 3246, 3253, 3268, 3536, 3846, 3961, 4183, 4667, 6585,
            6647, 7273, 9061, 9383, 10428, 10929, 11938, 12033, 12331, 12562, 13793, 14157, 14635, 15265, 15618, 16553,
            16604, 18362, 18956, 20075, 21675, 22520, 26130, 26161, 26435, 28279, 29464, 31650, 32302, 32470, 36865, 42863,
            47425, 49870, 50254, 50258, 50358, 50359, 50360, 50361, 50362,
        ];

        var actual = NonSpeechTokens.Of(tokenizer);
        actual.UnionWith([tokenizer.StartOfTranscript, tokenizer.Translate, tokenizer.Transcribe, tokenizer.StartOfLm, tokenizer.StartOfPrevious, tokenizer.NoSpeech]);

        Assert.Equal(expected, actual);
        // begin_suppress_tokens: the space and end-of-text.
        Assert.Equal([220], tokenizer.Encode(" "));
    }

    // A small random Whisper with the multilingual vocabulary whose decoder output is the same vector at every
    // position (final LayerNorm weight 0, bias 1), so logits are the row sums of the token embedding: rows set to a
    // constant steer the choice deterministically; the random rows sum to about N(0, 64).
    private static WhisperModel Steered(Cluster.Speech.Text.WhisperTokenizer tokenizer, double blank, double paren, double endOfText)
    {
        manual_seed(7);
        var model = new WhisperModel(new WhisperConfig
        {
            NumMelBins = 80,
            DModel = 64,
            EncoderLayers = 1,
            EncoderAttentionHeads = 4,
            EncoderFfnDim = 128,
            DecoderLayers = 1,
            DecoderAttentionHeads = 4,
            DecoderFfnDim = 128,
            MaxSourcePositions = 10,
            MaxTargetPositions = 448,
            VocabSize = 51865,
            EosTokenId = 50257,
            PadTokenId = 50257,
            BosTokenId = 50257,
            DecoderStartTokenId = 50258,
        }).eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.get_parameter("model.decoder.layer_norm.weight").fill_(0);
        model.get_parameter("model.decoder.layer_norm.bias").fill_(1);
        var embedding = model.get_parameter("model.decoder.embed_tokens.weight");
        embedding[tokenizer.Encode(" ").Single()].fill_(blank);
        embedding[tokenizer.Encode("(").Single()].fill_(paren);
        embedding[tokenizer.EndOfText].fill_(endOfText);
        embedding[tokenizer.LanguageToken("zh")].fill_(0.8);
        return model;
    }

    private static Tensor Mel(int batch)
    {
        manual_seed(11);
        return randn(batch, 80, 20);
    }
}
