using System.Text.Json;

namespace CodeGen.Web.Training;

// Reads training metrics from --training-dir: DIR/metrics.jsonl and DIR/*/metrics.jsonl, one run each. Files are
// opened for reading only and shared with the trainer that may be appending to them; an unfinished last line or
// any other line that is not a metrics record is counted and skipped.
internal sealed class TrainingMetricsReader(string? directory, ILogger<TrainingMetricsReader> logger)
{
    public const string FileName = "metrics.jsonl";

    public string? Directory { get; } = directory is null ? null : Path.GetFullPath(directory);

    public TrainingRead Read()
    {
        if (Directory is null)
        {
            return new TrainingRead(TrainingStatus.NotConfigured, null, []);
        }

        if (!System.IO.Directory.Exists(Directory))
        {
            return new TrainingRead(TrainingStatus.Missing, Directory, []);
        }

        var files = new List<(string Name, string Path)>();
        string own = Path.Combine(Directory, FileName);
        if (File.Exists(own))
        {
            files.Add((Path.GetFileName(Directory.TrimEnd(Path.DirectorySeparatorChar)), own));
        }

        foreach (string sub in System.IO.Directory.EnumerateDirectories(Directory).Order(StringComparer.Ordinal))
        {
            string file = Path.Combine(sub, FileName);
            if (File.Exists(file))
            {
                files.Add((Path.GetFileName(sub), file));
            }
        }

        var runs = new List<TrainingRun>();
        foreach ((string name, string path) in files)
        {
            try
            {
                runs.Add(ReadRun(name, path));
            }
            catch (IOException ex)
            {
                LogMessages.TrainingMetricsUnreadable(logger, path, ex);
            }
            catch (UnauthorizedAccessException ex)
            {
                LogMessages.TrainingMetricsUnreadable(logger, path, ex);
            }
        }

        return new TrainingRead(runs.Count == 0 ? TrainingStatus.Empty : TrainingStatus.Ready, Directory, runs);
    }

    public static TrainingRun ReadRun(string name, string path)
    {
        var points = new List<MetricsPoint>();
        int skipped = 0;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var reader = new StreamReader(stream))
        {
            while (reader.ReadLine() is string line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                if (TryParse(line, out MetricsPoint? point))
                {
                    points.Add(point);
                }
                else
                {
                    skipped++;
                }
            }
        }

        return new TrainingRun(name, path, points, skipped, File.GetLastWriteTimeUtc(path));
    }

    // A metrics record: step, loss, lr, tokens_per_s, tokens and elapsed_s as numbers, val_loss optional.
    public static bool TryParse(string line, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out MetricsPoint? point)
    {
        point = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(line);
            JsonElement r = document.RootElement;
            if (r.ValueKind != JsonValueKind.Object
                || !Number(r, "step", out double step) || !Number(r, "loss", out double loss) || !Number(r, "lr", out double lr)
                || !Number(r, "tokens_per_s", out double rate) || !Number(r, "tokens", out double tokens) || !Number(r, "elapsed_s", out double elapsed))
            {
                return false;
            }

            point = new MetricsPoint((long)step, loss, lr, rate, (long)tokens, elapsed, Number(r, "val_loss", out double val) ? val : null);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool Number(JsonElement record, string name, out double value)
    {
        value = 0;
        return record.TryGetProperty(name, out JsonElement element) && element.ValueKind == JsonValueKind.Number && element.TryGetDouble(out value);
    }
}
