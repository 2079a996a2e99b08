using System.Text;

namespace CodeGen.Eval.Sandbox;

// Drains a stream to its end, keeping only the first `limit` bytes, so a program that floods its output
// neither blocks on a full pipe nor fills our memory.
internal sealed class CappedReader(Stream stream, int limit)
{
    private readonly MemoryStream _kept = new();

    // Whether bytes past the limit were dropped.
    public bool Truncated { get; private set; }

    // The kept bytes as UTF-8 (invalid sequences replaced).
    public string Text => Encoding.UTF8.GetString(_kept.GetBuffer(), 0, (int)_kept.Length);

    public async Task ReadAsync()
    {
        byte[] buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            int keep = (int)Math.Min(read, limit - _kept.Length);
            if (keep > 0)
            {
                _kept.Write(buffer, 0, keep);
            }

            if (keep < read)
            {
                Truncated = true;
            }
        }
    }
}
