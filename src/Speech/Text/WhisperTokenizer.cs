using System.Text;

namespace Cluster.Speech.Text;

/// <summary>
/// Whisper's tokenizer (<c>whisper/tokenizer.py</c> over tiktoken): byte-level BPE over GPT-2 style pre-tokenized
/// pieces, with Whisper's special tokens appended after the mergeable tokens, and the prompt/label layouts used to
/// train and run the decoder.
/// </summary>
/// <remarks>
/// Specials, in id order from <see cref="EndOfText"/> (= the number of mergeable tokens): <c>&lt;|endoftext|&gt;</c>,
/// <c>&lt;|startoftranscript|&gt;</c>, one <c>&lt;|lang|&gt;</c> per language, <c>&lt;|translate|&gt;</c>,
/// <c>&lt;|transcribe|&gt;</c>, <c>&lt;|startoflm|&gt;</c>, <c>&lt;|startofprev|&gt;</c>, <c>&lt;|nospeech|&gt;</c>,
/// <c>&lt;|notimestamps|&gt;</c>, then the 1501 timestamps <c>&lt;|0.00|&gt;</c> … <c>&lt;|30.00|&gt;</c>.
/// Instances are immutable and thread-safe.
/// </remarks>
public sealed class WhisperTokenizer
{
    /// <summary>Languages of the original multilingual models; large-v3 adds Cantonese as the 100th.</summary>
    public const int DefaultLanguageCount = 99;

    /// <summary>Whisper's text context: the most token positions its decoder has.</summary>
    public const int DefaultMaxLength = 448;

    private const int TimestampCount = 1501;

    // Whisper's LANGUAGES, in its order, which fixes the id of each language token.
    private static readonly string[] Languages =
    [
        "en", "zh", "de", "es", "ru", "ko", "fr", "ja", "pt", "tr", "pl", "ca", "nl", "ar", "sv", "it", "id", "hi", "fi",
        "vi", "he", "uk", "el", "ms", "cs", "ro", "da", "hu", "ta", "no", "th", "ur", "hr", "bg", "lt", "la", "mi", "ml",
        "cy", "sk", "te", "fa", "lv", "bn", "sr", "az", "sl", "kn", "et", "mk", "br", "eu", "is", "hy", "ne", "mn", "bs",
        "kk", "sq", "sw", "gl", "mr", "pa", "si", "km", "sn", "yo", "so", "af", "oc", "ka", "be", "tg", "sd", "gu", "am",
        "yi", "lo", "uz", "fo", "ht", "ps", "tk", "nn", "mt", "sa", "lb", "my", "bo", "tl", "mg", "as", "tt", "haw", "ln",
        "ha", "ba", "jw", "su", "yue",
    ];

    private readonly BytePairEncoder _encoder;
    private readonly string[] _specialNames;
    private readonly Dictionary<string, int> _specialIds;

    private WhisperTokenizer(BytePairEncoder encoder, int numLanguages)
    {
        _encoder = encoder;
        _specialNames = SpecialTokenNames(numLanguages).ToArray();
        _specialIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _specialNames.Length; i++) _specialIds.Add(_specialNames[i], encoder.Count + i);
        LanguageCodes = Array.AsReadOnly(Languages[..numLanguages]);

        EndOfText = encoder.Count;
        StartOfTranscript = EndOfText + 1;
        Translate = StartOfTranscript + numLanguages + 1;
        Transcribe = Translate + 1;
        StartOfLm = Transcribe + 1;
        StartOfPrevious = StartOfLm + 1;
        NoSpeech = StartOfPrevious + 1;
        NoTimestamps = NoSpeech + 1;
        TimestampBegin = NoTimestamps + 1;
        VocabularySize = TimestampBegin + TimestampCount;
    }

    /// <summary>All 100 language codes Whisper knows, in token order.</summary>
    public static IReadOnlyList<string> AllLanguageCodes { get; } = Array.AsReadOnly(Languages);

    /// <summary>Loads a tiktoken rank file: <c>multilingual.tiktoken</c> for the multilingual models, <c>gpt2.tiktoken</c>
    /// for the English-only ones.</summary>
    /// <param name="numLanguages">How many language tokens the model has: 99, or 100 for large-v3 (see
    /// <see cref="LanguageCountForVocabulary"/>).</param>
    /// <exception cref="InvalidDataException">The file is malformed; the message names it and the line.</exception>
    public static WhisperTokenizer FromTiktoken(string rankFile, int numLanguages = DefaultLanguageCount)
    {
        ArgumentNullException.ThrowIfNull(rankFile);
        CheckLanguageCount(numLanguages);
        return new WhisperTokenizer(new BytePairEncoder(TiktokenRankFile.Load(rankFile), rankFile), numLanguages);
    }

    /// <summary>
    /// The tokenizer of a model with <paramref name="modelVocabularySize"/> token rows, from the tiktoken files bundled
    /// with the cluster (<c>assets/whisper</c> beside the assemblies): <c>gpt2.tiktoken</c> for English-only models,
    /// <c>multilingual.tiktoken</c> otherwise.
    /// </summary>
    public static WhisperTokenizer Bundled(int modelVocabularySize)
    {
        int languages = LanguageCountForVocabulary(modelVocabularySize);
        string file = modelVocabularySize >= 51865 ? "multilingual.tiktoken" : "gpt2.tiktoken";
        return FromTiktoken(Path.Combine(AppContext.BaseDirectory, "assets", "whisper", file), languages);
    }

    /// <summary>
    /// Loads a Hugging Face Whisper tokenizer directory: <c>vocab.json</c> and <c>merges.txt</c>, plus whichever of
    /// <c>added_tokens.json</c>, <c>special_tokens_map.json</c> and <c>tokenizer.json</c> are present. The vocabulary ids
    /// are taken as tiktoken ranks (they are the same numbers for Whisper), so encodings equal the tiktoken path's.
    /// </summary>
    /// <param name="numLanguages">How many language tokens the model has; when null, taken from the language tokens the
    /// files list, or <see cref="DefaultLanguageCount"/> if they list none.</param>
    /// <exception cref="InvalidDataException">A file is malformed, its merges disagree with its ids, or its special
    /// tokens do not sit where Whisper puts them; the message names the file (and line where there is one).</exception>
    public static WhisperTokenizer FromHuggingFace(string directory, int? numLanguages = null)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (numLanguages is int given) CheckLanguageCount(given);
        (byte[][] tokens, IReadOnlyList<HuggingFaceTokenizerFiles.SpecialToken> specials) =
            HuggingFaceTokenizerFiles.Load(directory, SpecialTokenNames(Languages.Length).ToHashSet(StringComparer.Ordinal));

        int listed = specials.Select(s => Array.IndexOf(Languages, s.Name.Trim('<', '|', '>')) + 1).DefaultIfEmpty(0).Max();
        if (listed > 0 && numLanguages is int asked && asked != listed)
            throw new InvalidDataException(
                $"{directory}: the tokenizer files list {listed} language tokens but {asked} were asked for.");
        int languages = listed > 0 ? listed : numLanguages ?? DefaultLanguageCount;

        var tokenizer = new WhisperTokenizer(new BytePairEncoder(tokens, Path.Combine(directory, "vocab.json")), languages);
        foreach (HuggingFaceTokenizerFiles.SpecialToken special in specials)
        {
            if (!tokenizer._specialIds.TryGetValue(special.Name, out int id))
                throw new InvalidDataException($"{special.Source}: '{special.Name}' is not a token of a {languages}-language Whisper vocabulary.");
            if (special.Id is int claimed && claimed != id)
                throw new InvalidDataException($"{special.Source}: '{special.Name}' has id {claimed}, but Whisper's layout puts it at {id}.");
        }
        return tokenizer;
    }

    /// <summary>
    /// The number of language tokens of a model whose token embedding has <paramref name="modelVocabularySize"/> rows,
    /// as Whisper computes it (<c>n_vocab - 51765 - is_multilingual</c>): 99, except 100 for large-v3's 51866.
    /// </summary>
    public static int LanguageCountForVocabulary(int modelVocabularySize)
    {
        int languages = modelVocabularySize - 51765 - (modelVocabularySize >= 51865 ? 1 : 0);
        if (languages < 1 || languages > Languages.Length)
            throw new ArgumentOutOfRangeException(nameof(modelVocabularySize), modelVocabularySize, "Not the vocabulary size of a Whisper model.");
        return languages;
    }

    /// <summary>Mergeable tokens plus special tokens: 51865 multilingual, 51866 large-v3, 51864 English-only.</summary>
    public int VocabularySize { get; }

    /// <summary>Whether this is a multilingual vocabulary, by Whisper's own test (at least 51865 tokens). English-only
    /// models take no language or task token in their prompt.</summary>
    public bool IsMultilingual => VocabularySize >= 51865;

    /// <summary>The language codes this vocabulary has tokens for, in token order.</summary>
    public IReadOnlyList<string> LanguageCodes { get; }

    /// <summary><c>&lt;|endoftext|&gt;</c>, the first special token; every id below it is a mergeable token.</summary>
    public int EndOfText { get; }

    public int StartOfTranscript { get; }

    public int Translate { get; }

    public int Transcribe { get; }

    public int StartOfLm { get; }

    public int StartOfPrevious { get; }

    public int NoSpeech { get; }

    public int NoTimestamps { get; }

    /// <summary><c>&lt;|0.00|&gt;</c>; timestamp t seconds (a multiple of 0.02 up to 30) is TimestampBegin + t / 0.02.</summary>
    public int TimestampBegin { get; }

    /// <exception cref="ArgumentException">This vocabulary has no token for <paramref name="code"/>.</exception>
    public int LanguageToken(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        int index = Array.IndexOf(Languages, code);
        if (index < 0 || index >= LanguageCodes.Count) throw new ArgumentException($"Unknown language code '{code}'.", nameof(code));
        return StartOfTranscript + 1 + index;
    }

    public int TaskToken(WhisperTask task) => task switch
    {
        WhisperTask.Transcribe => Transcribe,
        WhisperTask.Translate => Translate,
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, null),
    };

    public bool IsSpecial(int id) => id >= EndOfText && id < VocabularySize;

    /// <summary>
    /// The tokens of <paramref name="text"/> as plain text: special-token spellings such as <c>&lt;|en|&gt;</c> inside it
    /// are encoded as ordinary characters (tiktoken's <c>encode_ordinary</c>), so a transcript cannot inject control tokens.
    /// </summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 2 + 1);
        _encoder.Encode(text, ids);
        return ids.ToArray();
    }

    /// <summary>The number of tokens <see cref="Encode"/> gives.</summary>
    public int CountTokens(string text) => Encode(text).Length;

    /// <summary>
    /// The length of the full training sequence of <paramref name="text"/> (prompt, text, end-of-text), the number
    /// <see cref="BuildLabels"/> holds to its maximum.
    /// </summary>
    public int LabelSequenceLength(string text) => TrainingPromptLength + CountTokens(text) + 1;

    /// <summary>
    /// Text of <paramref name="ids"/>: the bytes of mergeable tokens joined and read as UTF-8, with invalid sequences (a
    /// character cut between tokens) replaced by U+FFFD as tiktoken does; special tokens as their spelling, e.g.
    /// <c>&lt;|0.00|&gt;</c>, or dropped when <paramref name="skipSpecialTokens"/>. (Whisper's own <c>decode</c> drops
    /// timestamps only; its <c>decode_with_timestamps</c> is this method's default.)
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside the vocabulary.</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if (id < 0 || id >= VocabularySize)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is outside the vocabulary of {VocabularySize}.");
            if (id < EndOfText) bytes.AddRange(_encoder.TokenBytes(id));
            else if (!skipSpecialTokens) bytes.AddRange(Encoding.UTF8.GetBytes(_specialNames[id - EndOfText]));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>
    /// The decoder prompt for generation: <c>[SOT, &lt;|lang|&gt;, &lt;|task|&gt;]</c>, then <c>&lt;|notimestamps|&gt;</c>
    /// unless <paramref name="timestamps"/>. With a multilingual vocabulary and no <paramref name="language"/>, just
    /// <c>[SOT]</c>: the step that detects the language (take the likeliest language token next), after which the caller
    /// asks again with it. English-only vocabularies take no language or task token, as in Whisper.
    /// </summary>
    /// <exception cref="ArgumentException">An unknown language, or a language or translation asked of an English-only
    /// vocabulary.</exception>
    public int[] GenerationPrompt(string? language, WhisperTask task = WhisperTask.Transcribe, bool timestamps = false)
    {
        if (IsMultilingual && language is null) return [StartOfTranscript];
        return Prompt(language, task, timestamps);
    }

    /// <summary>
    /// Decoder input and labels for training on <paramref name="text"/>. The sequence is
    /// <c>[SOT, &lt;|lang|&gt;, &lt;|task|&gt;, &lt;|notimestamps|&gt;] + Encode(text) + [EOT]</c> (English-only
    /// vocabularies: <c>[SOT, &lt;|notimestamps|&gt;] + … + [EOT]</c>); the decoder input is all of it but the last token
    /// and the labels all of it but the first, so position t is trained to predict token t + 1. The model learns the
    /// language and task tokens too, as in Whisper fine-tuning.
    /// </summary>
    /// <param name="language">A language code; required for a multilingual vocabulary, "en" or null for English-only.</param>
    /// <param name="maxLength">The most tokens the whole sequence may have (the decoder then reads at most
    /// <paramref name="maxLength"/> − 1 positions).</param>
    /// <exception cref="ArgumentException">The sequence is longer than <paramref name="maxLength"/> (check beforehand
    /// with <see cref="LabelSequenceLength"/>), or the language or task does not fit the vocabulary.</exception>
    public TrainingExample BuildLabels(string text, string? language, WhisperTask task = WhisperTask.Transcribe,
        int maxLength = DefaultMaxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IsMultilingual && language is null)
            throw new ArgumentException("A multilingual vocabulary needs the language of the text.", nameof(language));
        int[] prompt = Prompt(language, task, timestamps: false);
        int[] textIds = Encode(text);
        int length = prompt.Length + textIds.Length + 1;
        if (length > maxLength)
            throw new ArgumentException(
                $"The text takes {length} tokens with its prompt and end-of-text, more than the maximum of {maxLength}.", nameof(text));

        int[] sequence = [.. prompt, .. textIds, EndOfText];
        return new TrainingExample(sequence[..^1], sequence[1..]);
    }

    // [SOT, <|lang|>, <|task|>, <|notimestamps|>], or [SOT, <|notimestamps|>] for English-only vocabularies.
    private int TrainingPromptLength => IsMultilingual ? 4 : 2;

    private int[] Prompt(string? language, WhisperTask task, bool timestamps)
    {
        var prompt = new List<int> { StartOfTranscript };
        if (IsMultilingual)
        {
            prompt.Add(LanguageToken(language!));
            prompt.Add(TaskToken(task));
        }
        else if (language is not null and not "en" || task != WhisperTask.Transcribe)
        {
            throw new ArgumentException("An English-only vocabulary only transcribes English.", nameof(language));
        }
        if (!timestamps) prompt.Add(NoTimestamps);
        return prompt.ToArray();
    }

    private static void CheckLanguageCount(int numLanguages)
    {
        if (numLanguages < 1 || numLanguages > Languages.Length)
            throw new ArgumentOutOfRangeException(nameof(numLanguages), numLanguages, $"Whisper has 1 to {Languages.Length} languages.");
    }

    private static IEnumerable<string> SpecialTokenNames(int numLanguages)
    {
        yield return "<|endoftext|>";
        yield return "<|startoftranscript|>";
        foreach (string language in Languages[..numLanguages]) yield return $"<|{language}|>";
        yield return "<|translate|>";
        yield return "<|transcribe|>";
        yield return "<|startoflm|>";
        yield return "<|startofprev|>";
        yield return "<|nospeech|>";
        yield return "<|notimestamps|>";
        // i * 0.02 s with two decimals, written exactly rather than through floating point.
        for (int i = 0; i < TimestampCount; i++) yield return $"<|{i / 50}.{i % 50 * 2:00}|>";
    }
}
