using System.Globalization;
using System.Reflection;
using System.Text.Json;
using CodeGen.Eval.Storage;
using Microsoft.Data.Sqlite;

namespace CodeGen.Web.Tests;

/// <summary>
/// Writes results stores for tests. The schema comes from eval itself (its internal ResultStore.Open applies the
/// real migrations); rows go in with plain inserts inside one transaction, so stores of 100,000 samples take
/// seconds rather than minutes.
/// </summary>
internal sealed class SeededStore : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    private SeededStore(string path)
    {
        Path = path;
        MethodInfo open = typeof(ResultStore).GetMethod("Open", BindingFlags.NonPublic | BindingFlags.Static)
            ?? throw new InvalidOperationException("ResultStore.Open(string) not found: the store's write API changed.");
        ((IDisposable)open.Invoke(null, [path])!).Dispose();
        _connection = new SqliteConnection($"Data Source={path};Pooling=False");
        _connection.Open();
        _transaction = _connection.BeginTransaction();
    }

    public string Path { get; }

    public static SeededStore Create(string path) => new(path);

    /// <summary>Adds a run; passAtK null leaves it unfinished. Returns its id.</summary>
    public long AddRun(
        string name,
        string benchmark = "humaneval",
        string? model = "tiny-llama",
        DateTimeOffset? startedAt = null,
        TimeSpan? duration = null,
        IReadOnlyDictionary<int, double>? passAtK = null,
        string? gitCommit = "0123456789abcdef",
        string? adapter = null,
        int samplesPerProblem = 1)
    {
        DateTimeOffset started = startedAt ?? new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var configuration = new Dictionary<string, object?> { ["benchmark"] = benchmark, ["source"] = model is null ? "oracle" : "server", ["samples"] = samplesPerProblem, ["temperature"] = 0.2 };
        if (adapter is not null)
        {
            configuration["adapter"] = adapter;
        }

        using SqliteCommand command = Command("""
            INSERT INTO runs (name, benchmark, model, server_url, configuration, git_commit, started_at, finished_at, pass_at_k)
            VALUES ($name, $benchmark, $model, $server, $configuration, $commit, $started, $finished, $pass);
            SELECT last_insert_rowid();
            """);
        command.Parameters.AddWithValue("$name", name);
        command.Parameters.AddWithValue("$benchmark", benchmark);
        command.Parameters.AddWithValue("$model", (object?)model ?? DBNull.Value);
        command.Parameters.AddWithValue("$server", model is null ? DBNull.Value : "http://127.0.0.1:8080");
        command.Parameters.AddWithValue("$configuration", JsonSerializer.Serialize(configuration));
        command.Parameters.AddWithValue("$commit", (object?)gitCommit ?? DBNull.Value);
        command.Parameters.AddWithValue("$started", started.ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$finished", passAtK is null ? DBNull.Value : (started + (duration ?? TimeSpan.FromSeconds(90))).ToString("O", CultureInfo.InvariantCulture));
        command.Parameters.AddWithValue("$pass", JsonSerializer.Serialize((passAtK ?? new Dictionary<int, double>()).ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value)));
        return (long)command.ExecuteScalar()!;
    }

    public void AddSample(long runId, string problem, int index, string status, string completion = "    return 1\n", string stdout = "", string stderr = "", double durationMs = 120, int? exitCode = null, string promptHash = "0000000000000000")
    {
        _insertSample ??= Command("""
            INSERT INTO samples (run_id, problem, sample_index, prompt_hash, completion, status, exit_code, duration_ms, stdout, stderr)
            VALUES ($run, $problem, $index, $hash, $completion, $status, $exit, $duration, $stdout, $stderr)
            """);
        SqliteCommand c = _insertSample;
        c.Parameters.Clear();
        c.Parameters.AddWithValue("$run", runId);
        c.Parameters.AddWithValue("$problem", problem);
        c.Parameters.AddWithValue("$index", index);
        c.Parameters.AddWithValue("$hash", promptHash);
        c.Parameters.AddWithValue("$completion", completion);
        c.Parameters.AddWithValue("$status", status);
        c.Parameters.AddWithValue("$exit", (object?)(exitCode ?? (status == "passed" ? 0 : 1)) ?? DBNull.Value);
        c.Parameters.AddWithValue("$duration", durationMs);
        c.Parameters.AddWithValue("$stdout", stdout);
        c.Parameters.AddWithValue("$stderr", stderr);
        c.ExecuteNonQuery();
    }

    private SqliteCommand? _insertSample;

    public void Dispose()
    {
        _insertSample?.Dispose();
        _transaction.Commit();
        _transaction.Dispose();
        _connection.Dispose();
    }

    private SqliteCommand Command(string sql)
    {
        SqliteCommand command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        return command;
    }
}
