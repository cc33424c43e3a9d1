using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Cluster.Speech.Data;

namespace Cluster.Speech.Evaluation;

/// <summary>The text conventions the evaluation reports share: RFC 4180 CSV, Markdown escaping, invariant numbers,
/// atomic UTF-8 files.</summary>
internal static class ReportText
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    // Relaxed escaping keeps Chinese transcripts readable in the file instead of \u-escaping every character.
    public static readonly JsonWriterOptions JsonOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One CSV record, RFC 4180: fields joined by commas and ended by CRLF; a field holding a comma, quote,
    /// CR or LF is quoted with its quotes doubled, line breaks kept inside the quotes.</summary>
    public static void AppendCsvRecord(StringBuilder csv, params ReadOnlySpan<string> fields)
    {
        for (int i = 0; i < fields.Length; i++)
        {
            if (i > 0) csv.Append(',');
            string field = fields[i];
            if (field.AsSpan().IndexOfAny(",\"\r\n") < 0) csv.Append(field);
            else csv.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }

        csv.Append("\r\n");
    }

    public static string Integer(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Enough digits for a dB value or a rate to be recomputed from the CSV, without float noise.</summary>
    public static string Number(double value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>A number for people: fixed decimals, explicit sign when asked (improvements read better as "+3.20").</summary>
    public static string Fixed(double value, int decimals, bool signed = false)
    {
        string text = value.ToString("F" + Integer(decimals), CultureInfo.InvariantCulture);
        return signed && value >= 0 ? "+" + text : text;
    }

    public static string Percent(double rate) => (rate * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    /// <summary>Text made safe for one Markdown table cell or line: line breaks become spaces, pipes are escaped.</summary>
    public static string MarkdownInline(string text) =>
        text.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>A code fence longer than any backtick run in <paramref name="content"/>, so a transcript with
    /// backticks cannot close the block early.</summary>
    public static string Fence(string content)
    {
        int longest = 0, run = 0;
        foreach (char c in content)
        {
            run = c == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return new string('`', Math.Max(3, longest + 1));
    }

    public static void WriteUtf8(string path, string text) => AtomicFile.Write(path, stream => stream.Write(Utf8NoBom.GetBytes(text)));

    public static void WriteJson(string path, Action<Utf8JsonWriter> write) =>
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, JsonOptions);
            write(json);
        });
}
