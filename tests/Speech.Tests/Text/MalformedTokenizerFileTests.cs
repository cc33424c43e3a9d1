using Cluster.Speech.Text;

namespace Cluster.Speech.Tests.Text;

/// <summary>
/// A broken rank file or Hugging Face file stops loading with an <see cref="InvalidDataException"/> naming the file and
/// the line, never with a tokenizer that encodes differently from the model's.
/// </summary>
public sealed class MalformedTokenizerFileTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    // A minimal valid rank file: the 256 single bytes, then "Ġt"-style merges of ' ' + 't' and 'h' + 'e'.
    private static List<string> ValidRankLines()
    {
        var lines = Enumerable.Range(0, 256).Select(b => $"{Convert.ToBase64String([(byte)b])} {b}").ToList();
        lines.Add($"{Convert.ToBase64String(" t"u8)} 256");
        lines.Add($"{Convert.ToBase64String("he"u8)} 257");
        return lines;
    }

    private InvalidDataException LoadRankFileWith(Action<List<string>> spoil)
    {
        List<string> lines = ValidRankLines();
        spoil(lines);
        string path = _directory.File("ranks.tiktoken");
        File.WriteAllLines(path, lines);
        return Assert.Throws<InvalidDataException>(() => WhisperTokenizer.FromTiktoken(path));
    }

    [Fact]
    public void A_valid_small_rank_file_loads_and_merges()
    {
        string path = _directory.File("ranks.tiktoken");
        File.WriteAllLines(path, ValidRankLines().Append(""));
        WhisperTokenizer tokenizer = WhisperTokenizer.FromTiktoken(path);
        Assert.Equal(258, tokenizer.EndOfText);
        Assert.Equal([256, 257], tokenizer.Encode(" the"));
    }

    [Fact]
    public void Bad_base64_names_file_and_line()
    {
        InvalidDataException error = LoadRankFileWith(lines => lines[2] = "@@@ 2");
        Assert.Contains("ranks.tiktoken:3:", error.Message);
        Assert.Contains("base64", error.Message);
    }

    [Fact]
    public void A_missing_rank_names_file_and_line()
    {
        InvalidDataException error = LoadRankFileWith(lines => lines[9] = lines[9].Split(' ')[0]);
        Assert.Contains("ranks.tiktoken:10:", error.Message);
    }

    [Fact]
    public void A_rank_that_is_not_a_number_names_file_and_line()
    {
        InvalidDataException error = LoadRankFileWith(lines => lines[4] = "BA== four");
        Assert.Contains("ranks.tiktoken:5:", error.Message);
        Assert.Contains("'four'", error.Message);
    }

    [Fact]
    public void A_duplicate_rank_names_both_lines()
    {
        InvalidDataException error = LoadRankFileWith(lines => lines[257] = $"{Convert.ToBase64String("he"u8)} 256");
        Assert.Contains("ranks.tiktoken:258:", error.Message);
        Assert.Contains("rank 256 was already given on line 257", error.Message);
    }

    [Fact]
    public void A_duplicate_token_names_file_and_line()
    {
        InvalidDataException error = LoadRankFileWith(lines => lines.Add($"{Convert.ToBase64String(" t"u8)} 258"));
        Assert.Contains("ranks.tiktoken:259:", error.Message);
        Assert.Contains("already has rank 256", error.Message);
    }

    [Fact]
    public void A_gap_in_the_ranks_is_refused()
    {
        InvalidDataException error = LoadRankFileWith(lines => lines[257] = $"{Convert.ToBase64String("he"u8)} 300");
        Assert.Contains("ranks.tiktoken", error.Message);
        Assert.Contains("rank 257 is missing", error.Message);
    }

    [Fact]
    public void A_byte_without_a_token_is_refused()
    {
        InvalidDataException error = LoadRankFileWith(lines =>
        {
            lines.RemoveAt(0);
            lines.Add($"{Convert.ToBase64String("the"u8)} 0");
        });
        Assert.Contains("byte 0x00", error.Message);
    }

    // Hugging Face counterpart of the small rank file; vocab.json has "{" on line 1 and id k on line k + 2.
    private void WriteSmallHuggingFace(Func<List<(string Spelling, int Id)>, List<(string, int)>>? vocabEdit = null,
        Action<List<string>>? mergesEdit = null)
    {
        var vocab = Enumerable.Range(0, 256).Select(b => (HuggingFaceFiles.Spell([(byte)b]), b)).ToList();
        vocab.Add(("Ġt", 256));
        vocab.Add(("he", 257));
        vocab.Add(("<|endoftext|>", 258));
        HuggingFaceFiles.WriteVocab(_directory.File("vocab.json"), vocabEdit?.Invoke(vocab) ?? vocab);
        var merges = new List<string> { "#version: 0.2", "Ġ t", "h e" };
        mergesEdit?.Invoke(merges);
        File.WriteAllLines(_directory.File("merges.txt"), merges);
    }

    private InvalidDataException LoadHuggingFace() =>
        Assert.Throws<InvalidDataException>(() => WhisperTokenizer.FromHuggingFace(_directory.Path));

    [Fact]
    public void A_valid_small_Hugging_Face_directory_loads()
    {
        WriteSmallHuggingFace();
        WhisperTokenizer tokenizer = WhisperTokenizer.FromHuggingFace(_directory.Path);
        Assert.Equal(258, tokenizer.EndOfText);
        Assert.Equal([256, 257], tokenizer.Encode(" the"));
    }

    [Fact]
    public void A_vocab_character_outside_the_byte_alphabet_names_file_and_line()
    {
        WriteSmallHuggingFace(vocab => [.. vocab, ("a b", 259)]);
        InvalidDataException error = LoadHuggingFace();
        Assert.Contains("vocab.json:261:", error.Message);
        Assert.Contains("'a b'", error.Message);
    }

    [Fact]
    public void Vocab_json_syntax_errors_name_file_and_line()
    {
        WriteSmallHuggingFace();
        List<string> lines = File.ReadLines(_directory.File("vocab.json")).ToList();
        lines[40] = lines[40].TrimEnd(',');
        File.WriteAllLines(_directory.File("vocab.json"), lines);
        InvalidDataException error = LoadHuggingFace();
        Assert.Contains("vocab.json:42:", error.Message);
    }

    [Fact]
    public void A_vocab_id_that_is_not_an_integer_names_file_and_line()
    {
        WriteSmallHuggingFace();
        List<string> lines = File.ReadLines(_directory.File("vocab.json")).ToList();
        lines[11] = lines[11].Replace(": 10,", ": \"10\",");
        File.WriteAllLines(_directory.File("vocab.json"), lines);
        InvalidDataException error = LoadHuggingFace();
        Assert.Contains("vocab.json:12:", error.Message);
        Assert.Contains("not a non-negative integer", error.Message);
    }

    [Fact]
    public void A_repeated_vocab_id_names_file_and_line()
    {
        WriteSmallHuggingFace(vocab => vocab.Select(e => e.Id == 257 ? (e.Spelling, 256) : e).ToList());
        InvalidDataException error = LoadHuggingFace();
        Assert.Contains("vocab.json:259:", error.Message);
        Assert.Contains("id 256 is given twice", error.Message);
    }

    [Fact]
    public void A_merge_of_unknown_tokens_names_file_and_line()
    {
        WriteSmallHuggingFace(mergesEdit: merges => merges[2] = "h zz");
        InvalidDataException error = LoadHuggingFace();
        Assert.Contains("merges.txt:3:", error.Message);
        Assert.Contains("'zz' is not a token", error.Message);
    }

    [Fact]
    public void A_merge_line_without_two_tokens_names_file_and_line()
    {
        WriteSmallHuggingFace(mergesEdit: merges => merges[1] = "Ġ t x");
        InvalidDataException error = LoadHuggingFace();
        Assert.Contains("merges.txt:2:", error.Message);
    }
}
