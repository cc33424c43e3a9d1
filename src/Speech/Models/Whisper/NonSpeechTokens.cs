using Cluster.Speech.Text;

namespace Cluster.Speech.Models.Whisper;

/// <summary>
/// openai/whisper's <c>Tokenizer.non_speech_tokens</c>: symbols that are not speech (brackets, music notes, ...), which
/// the default <c>suppress_tokens="-1"</c> forbids so transcripts do not read like subtitles ("[DOOR CLOSES]", "♪").
/// </summary>
internal static class NonSpeechTokens
{
    private static readonly string[] Symbols =
    [
        .. "\"#()*+/:;<=>@[\\]^_`{|}~「」『』".Select(c => c.ToString()),
        .. "<< >> <<< >>> -- --- -( -[ (' (\" (( )) ((( ))) [[ ]] {{ }} ♪♪ ♪♪♪".Split(' '),
    ];

    // Musical symbols (U+2640..U+267F): banned even as the first token of a longer encoding.
    private static readonly string[] Miscellaneous = ["♩", "♪", "♫", "♬", "♭", "♮", "♯"];

    public static SortedSet<int> Of(WhisperTokenizer tokenizer)
    {
        // " -" and " '" start many words, so only their own tokens go, not the symbols' longer encodings.
        var result = new SortedSet<int> { tokenizer.Encode(" -")[0], tokenizer.Encode(" '")[0] };
        foreach (string symbol in Symbols.Concat(Miscellaneous))
        {
            bool miscellaneous = Miscellaneous.Contains(symbol);
            foreach (int[] tokens in new[] { tokenizer.Encode(symbol), tokenizer.Encode(" " + symbol) })
                if (tokens.Length == 1 || miscellaneous) result.Add(tokens[0]);
        }
        return result;
    }
}
