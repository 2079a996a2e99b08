using System.Text;

namespace CodeGen.Eval.Benchmarks;

// The MBPP+ snapshot was written by Python's json module, which emits NaN, Infinity and -Infinity as bare
// tokens (not JSON). Outside strings they are replaced by {"__cg_float__": "nan" | "inf" | "-inf"}, which the
// generated Python harness turns back into floats with a json object_hook. (Compiled into training too, whose
// decontamination reads the same files and only needs them to parse.)
internal static class NonFiniteJson
{
    public const string Marker = "__cg_float__";

    public static string Escape(string json)
    {
        if (!json.Contains("NaN", StringComparison.Ordinal) && !json.Contains("Infinity", StringComparison.Ordinal))
        {
            return json;
        }

        var result = new StringBuilder(json.Length);
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            char c = json[i];
            if (inString)
            {
                result.Append(c);
                if (c == '\\' && i + 1 < json.Length)
                {
                    result.Append(json[++i]);
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
                result.Append(c);
            }
            else if (Match(json, i, "-Infinity"))
            {
                result.Append($"{{\"{Marker}\":\"-inf\"}}");
                i += "-Infinity".Length - 1;
            }
            else if (Match(json, i, "Infinity"))
            {
                result.Append($"{{\"{Marker}\":\"inf\"}}");
                i += "Infinity".Length - 1;
            }
            else if (Match(json, i, "NaN"))
            {
                result.Append($"{{\"{Marker}\":\"nan\"}}");
                i += "NaN".Length - 1;
            }
            else
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }

    private static bool Match(string json, int at, string token) => string.CompareOrdinal(json, at, token, 0, token.Length) == 0;
}
