namespace CodeGen.Model.Sampling;

/// <summary>
/// Watches streamed text for stop sequences. <see cref="Append"/> returns the text that is safe to emit:
/// text that might be the start of a stop sequence is held back until it is clearly not; on a match the
/// text before the stop sequence is returned and <see cref="Stopped"/> becomes true.
/// </summary>
public sealed class StopSequenceMatcher(IReadOnlyList<string> stopSequences)
{
    private readonly string[] _stops = stopSequences.Where(s => s.Length > 0).ToArray();
    private string _pending = "";

    /// <summary>Whether a stop sequence has been seen.</summary>
    public bool Stopped { get; private set; }

    /// <summary>Adds newly decoded text and returns what may be emitted now.</summary>
    public string Append(string text)
    {
        if (Stopped) return "";
        _pending += text;
        int earliest = -1;
        foreach (string stop in _stops)
        {
            int at = _pending.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (earliest < 0 || at < earliest)) earliest = at;
        }
        if (earliest >= 0)
        {
            Stopped = true;
            string before = _pending[..earliest];
            _pending = "";
            return before;
        }
        int hold = 0;
        foreach (string stop in _stops)
        {
            for (int length = Math.Min(stop.Length - 1, _pending.Length); length > hold; length--)
            {
                if (_pending.AsSpan(_pending.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    hold = length;
                    break;
                }
            }
        }
        string emit = _pending[..^hold];
        _pending = _pending[^hold..];
        return emit;
    }

    /// <summary>Returns held-back text at the end of generation.</summary>
    public string Flush()
    {
        string rest = Stopped ? "" : _pending;
        _pending = "";
        return rest;
    }
}
