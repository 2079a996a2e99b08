using System.Text;

namespace CodeGen.Eval.Sandbox;

// One output stream of a container (stdout or stderr) as it arrives from the attach stream: the first `limit`
// bytes are kept, the rest is counted as truncated and dropped, so a flood never fills our memory.
internal sealed class DockerOutput(int limit)
{
    private readonly MemoryStream _kept = new();

    // Whether bytes past the limit were dropped.
    public bool Truncated { get; private set; }

    // The kept bytes as UTF-8 (invalid sequences replaced).
    public string Text => Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length);

    public void Append(byte[] buffer, int count)
    {
        int keep = (int)Math.Min(count, limit - _kept.Length);
        if (keep > 0)
        {
            _kept.Write(buffer, 0, keep);
        }

        if (keep < count)
        {
            Truncated = true;
        }
    }
}
