using System.Text;

namespace Cluster.Speech.Tests.Evaluation;

/// <summary>A strict RFC 4180 reader for checking the reports' CSV: CRLF-terminated records, quoted fields with ""
/// for a quote and line breaks kept; anything else (a bare quote, a missing final CRLF) fails the test.</summary>
internal static class Rfc4180
{
    public static List<string[]> Parse(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"')
            {
                for (i++; ; i++)
                {
                    if (i >= text.Length) throw new FormatException("unterminated quoted field");
                    if (text[i] != '"') field.Append(text[i]);
                    else if (i + 1 < text.Length && text[i + 1] == '"') field.Append(text[++i]);
                    else break;
                }

                i++;
            }
            else
            {
                for (; i < text.Length && text[i] is not (',' or '\r' or '\n'); i++)
                {
                    if (text[i] == '"') throw new FormatException($"bare quote at {i}");
                    field.Append(text[i]);
                }
            }

            fields.Add(field.ToString());
            field.Clear();
            if (i < text.Length && text[i] == ',')
            {
                i++;
                continue;
            }

            if (i + 1 >= text.Length || text[i] != '\r' || text[i + 1] != '\n') throw new FormatException($"record not ended by CRLF at {i}");
            i += 2;
            records.Add([.. fields]);
            fields.Clear();
        }

        return records;
    }
}
