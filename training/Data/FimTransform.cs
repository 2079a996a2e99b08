namespace CodeGen.Training.Data;

/// <summary>
/// Fill-in-the-middle at the character level (as StarCoder and Qwen2.5-Coder train it): a document is cut
/// at two random points into prefix / middle / suffix and emitted as
/// PSM: &lt;fim_prefix&gt;prefix&lt;fim_suffix&gt;suffix&lt;fim_middle&gt;middle, or
/// SPM: &lt;fim_prefix&gt;&lt;fim_suffix&gt;suffix&lt;fim_middle&gt;prefix·middle.
/// Both orders end with the middle, which is what the model learns to produce.
/// </summary>
internal sealed class FimTransform(double rate, double spmRate, Random random)
{
    /// <summary>Token id sequences for the three FIM markers.</summary>
    internal sealed record Markers(int Prefix, int Middle, int Suffix);

    /// <summary>The document's token ids: plain, or FIM-rearranged with probability <c>rate</c>.</summary>
    public List<int> Apply(string text, Func<string, IReadOnlyList<int>> encode, Markers markers)
    {
        if (text.Length < 2 || random.NextDouble() >= rate) return [.. encode(text)];
        int a = random.Next(text.Length + 1), b = random.Next(text.Length + 1);
        (a, b) = (Math.Min(a, b), Math.Max(a, b));
        a = AvoidSplitSurrogate(text, a);
        b = AvoidSplitSurrogate(text, b);
        string prefix = text[..a], middle = text[a..b], suffix = text[b..];
        var ids = new List<int>(text.Length / 3 + 4);
        if (random.NextDouble() < spmRate)
        {
            ids.Add(markers.Prefix);
            ids.Add(markers.Suffix);
            ids.AddRange(encode(suffix));
            ids.Add(markers.Middle);
            ids.AddRange(encode(prefix));
            ids.AddRange(encode(middle));
        }
        else
        {
            ids.Add(markers.Prefix);
            ids.AddRange(encode(prefix));
            ids.Add(markers.Suffix);
            ids.AddRange(encode(suffix));
            ids.Add(markers.Middle);
            ids.AddRange(encode(middle));
        }
        return ids;
    }

    private static int AvoidSplitSurrogate(string text, int index) =>
        index > 0 && index < text.Length && char.IsLowSurrogate(text[index]) ? index - 1 : index;
}
