using Cluster.Speech.Text;

namespace Cluster.Speech.Tests.Text;

/// <summary>Training sequences, their padding into batches, and generation prompts follow Whisper's layout.</summary>
public sealed class LabelTests
{
    private static WhisperTokenizer Multilingual => TokenizerFixtures.Multilingual;

    [Fact]
    public void Labels_are_the_decoder_input_one_step_ahead()
    {
        int[] text = Multilingual.Encode("你好");
        TrainingExample example = Multilingual.BuildLabels("你好", "zh");
        int[] sequence = [50258, 50260, 50359, 50363, .. text, 50257];
        Assert.Equal(sequence[..^1], example.DecoderInput);
        Assert.Equal(sequence[1..], example.Labels);
        Assert.Equal(sequence.Length - 1, example.Length);
        Assert.Equal(sequence.Length, Multilingual.LabelSequenceLength("你好"));
    }

    [Fact]
    public void Translation_uses_the_translate_token()
    {
        TrainingExample example = Multilingual.BuildLabels("hello", "de", WhisperTask.Translate);
        Assert.Equal([50258, 50261, 50358, 50363], example.DecoderInput[..4]);
    }

    [Fact]
    public void An_empty_text_still_trains_the_prompt_and_end_of_text()
    {
        TrainingExample example = Multilingual.BuildLabels("", "en");
        Assert.Equal([50258, 50259, 50359, 50363], example.DecoderInput);
        Assert.Equal([50259, 50359, 50363, 50257], example.Labels);
    }

    [Fact]
    public void English_only_sequences_have_no_language_or_task_token()
    {
        WhisperTokenizer english = TokenizerFixtures.English;
        TrainingExample example = english.BuildLabels(" hello world", null);
        Assert.Equal([50257, 50362, 23748, 995], example.DecoderInput);
        Assert.Equal([50362, 23748, 995, 50256], example.Labels);
        Assert.Equal(example.DecoderInput, english.BuildLabels(" hello world", "en").DecoderInput);
        Assert.Equal(5, english.LabelSequenceLength(" hello world"));
        Assert.Throws<ArgumentException>(() => english.BuildLabels("hallo", "de"));
        Assert.Throws<ArgumentException>(() => english.BuildLabels("hello", "en", WhisperTask.Translate));
    }

    [Fact]
    public void A_multilingual_sequence_needs_a_known_language()
    {
        Assert.Throws<ArgumentException>(() => Multilingual.BuildLabels("hello", null));
        Assert.Throws<ArgumentException>(() => Multilingual.BuildLabels("hello", "xx"));
    }

    [Fact]
    public void Text_too_long_for_the_decoder_is_refused_and_can_be_found_beforehand()
    {
        string text = string.Concat(Enumerable.Repeat(" word", 443));
        Assert.Equal(443, Multilingual.CountTokens(text));
        Assert.Equal(448, Multilingual.LabelSequenceLength(text));
        Assert.Equal(447, Multilingual.BuildLabels(text, "en").Length);

        string longer = text + " word";
        Assert.Equal(449, Multilingual.LabelSequenceLength(longer));
        var error = Assert.Throws<ArgumentException>(() => Multilingual.BuildLabels(longer, "en"));
        Assert.Contains("449", error.Message);
        Assert.Contains("448", error.Message);
        Assert.Equal(448, Multilingual.BuildLabels(longer, "en", maxLength: 449).Length);
    }

    [Fact]
    public void The_collator_pads_inputs_with_end_of_text_and_labels_with_ignore_index()
    {
        var collator = new LabelCollator(Multilingual.EndOfText);
        TrainingExample shorter = Multilingual.BuildLabels("", "en");
        TrainingExample longer = Multilingual.BuildLabels(" hello world", "en");
        TrainingBatch batch = collator.Collate([shorter, longer]);

        Assert.Equal(2, batch.BatchSize);
        Assert.Equal(6, batch.Length);
        Assert.Equal(
            [50258, 50259, 50359, 50363, 50257, 50257,
             50258, 50259, 50359, 50363, longer.DecoderInput[4], longer.DecoderInput[5]],
            batch.DecoderInput);
        Assert.Equal(
            [50259, 50359, 50363, 50257, -100, -100,
             50259, 50359, 50363, longer.Labels[3], longer.Labels[4], 50257],
            batch.Labels);
        Assert.Equal(-100, LabelCollator.IgnoreIndex);
    }

    [Fact]
    public void An_empty_batch_cannot_be_collated()
    {
        Assert.Throws<ArgumentException>(() => new LabelCollator(50257).Collate([]));
    }

    [Fact]
    public void Training_examples_pair_equal_lengths()
    {
        Assert.Throws<ArgumentException>(() => new TrainingExample([1, 2], [2]));
        Assert.Throws<ArgumentException>(() => new TrainingExample([], []));
    }

    [Fact]
    public void Generation_prompts_follow_whisper()
    {
        Assert.Equal([50258, 50260, 50359, 50363], Multilingual.GenerationPrompt("zh"));
        Assert.Equal([50258, 50260, 50358], Multilingual.GenerationPrompt("zh", WhisperTask.Translate, timestamps: true));
        Assert.Equal([50258], Multilingual.GenerationPrompt(null));
        Assert.Equal([50257, 50362], TokenizerFixtures.English.GenerationPrompt(null));
        Assert.Equal([50257], TokenizerFixtures.English.GenerationPrompt("en", timestamps: true));
        Assert.Throws<ArgumentException>(() => Multilingual.GenerationPrompt("klingon"));
    }
}
