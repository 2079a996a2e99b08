using System.Text;

namespace CodeGen.Server.Constraints.Python;

/// <summary>
/// Whether a growing Python text can still become valid Python. Incremental: the scanner's state after the accepted
/// text is kept, so <see cref="Check"/> scans only the new text from a copy of it; <see cref="Truncate"/> rescans the
/// generated text from the state after the context. A context that is itself not a viable prefix (code with an error
/// above the cursor) leaves nothing to judge: the checker then accepts everything, as it does after an appended text
/// it would have rejected.
/// </summary>
internal sealed class PythonPrefixChecker : IPrefixChecker
{
    private readonly StringBuilder _text;
    private readonly int _contextLength;
    private readonly PythonScanState _afterContext;
    private PythonScanState _state;
    private string? _textCache;
    private string? _appendReason;

    public PythonPrefixChecker(string context)
    {
        _text = new StringBuilder(context);
        _textCache = context;
        _contextLength = context.Length;
        _state = PythonScanState.Start(context.Length);
        ContextReason = _state.Scan(context);
        _state.SetThreshold();
        _afterContext = _state;
    }

    /// <summary>Why the context is not a viable prefix (the checker then accepts everything), or null.</summary>
    public string? ContextReason { get; }

    public string Text => _textCache ??= _text.ToString();

    public int? CompletedAt => Judging && _state.CompletedAt >= 0 ? _state.CompletedAt : null;

    private bool Judging => ContextReason == null && _appendReason == null;

    public PrefixVerdict Check(string next)
    {
        if (!Judging)
        {
            return PrefixVerdict.Ok;
        }
        PythonScanState state = _state;
        string? reason = state.Scan(next);
        return reason == null ? PrefixVerdict.Ok : PrefixVerdict.Reject(reason);
    }

    public void Append(string text)
    {
        _text.Append(text);
        _textCache = null;
        if (Judging)
        {
            _appendReason = _state.Scan(text);
        }
    }

    public void Truncate(int length)
    {
        length = Math.Clamp(length, _contextLength, _text.Length);
        if (length == _text.Length)
        {
            return;
        }
        _text.Length = length;
        _textCache = null;
        if (ContextReason == null)
        {
            _state = _afterContext;
            _appendReason = _state.Scan(Text.AsSpan(_contextLength));
        }
    }
}
