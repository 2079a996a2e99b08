using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace CodeGen.Eval.Storage;

/// <summary>
/// The SQLite store of evaluation runs and their samples (WAL mode, so the dashboard can read while a run
/// writes). The read API (<see cref="ListRuns"/>, the <c>FindRun</c> overloads, <see cref="CountSamplesByRun"/>,
/// <see cref="GetSamples"/>, <see cref="GetSampleOutcomes"/>, <see cref="GetSample"/>) is what other projects use;
/// writing is the eval harness's business. The schema version lives in
/// <c>PRAGMA user_version</c> and opening a store for writing applies any missing migrations in order.
/// </summary>
public sealed class ResultStore : IDisposable
{
    // Each entry moves the schema from version i to i + 1. Never edit a released entry: append a new one.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            benchmark TEXT NOT NULL,
            model TEXT,
            server_url TEXT,
            configuration TEXT NOT NULL,
            git_commit TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            pass_at_k TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE samples (
            run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            problem TEXT NOT NULL,
            sample_index INTEGER NOT NULL,
            prompt_hash TEXT NOT NULL,
            completion TEXT NOT NULL,
            status TEXT NOT NULL,
            exit_code INTEGER,
            duration_ms REAL NOT NULL,
            stdout TEXT NOT NULL,
            stderr TEXT NOT NULL,
            PRIMARY KEY (run_id, problem, sample_index)
        );
        """,
        """
        CREATE INDEX samples_status ON samples(run_id, status);
        """,
        // compile_ms: the in-process compile part of duration_ms (C#); NULL where nothing was compiled.
        """
        ALTER TABLE samples ADD COLUMN compile_ms REAL;
        """,
    ];

    // Schema version that added samples.compile_ms; a read-only store of an older version reads NULL for it.
    private const int CompileMsVersion = 3;

    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();
    private string _compileMs = "compile_ms";

    private ResultStore(SqliteConnection connection)
    {
        _connection = connection;
    }

    /// <summary>The schema version this code writes and reads.</summary>
    public static int SchemaVersion => Migrations.Length;

    /// <summary>Opens a store read-only (the dashboard's way); fails if the file does not exist or is newer.</summary>
    public static ResultStore OpenReadOnly(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        var store = new ResultStore(connection);
        int version = store.UserVersion();
        if (version > SchemaVersion)
        {
            store.Dispose();
            throw new InvalidOperationException($"{path} has schema version {version}; this code reads up to {SchemaVersion}.");
        }

        if (version < CompileMsVersion)
        {
            store._compileMs = "NULL";
        }

        return store;
    }

    /// <summary>Lists every run, newest first.</summary>
    public IReadOnlyList<RunSummary> ListRuns() => QueryRuns("ORDER BY id DESC", null);

    /// <summary>The run with this name, or null.</summary>
    public RunSummary? FindRun(string name) => QueryRuns("WHERE name = $name", name).SingleOrDefault();

    /// <summary>A run's samples ordered by problem (data-set order of insertion) and index.</summary>
    public IReadOnlyList<SampleRecord> GetSamples(long runId)
    {
        lock (_gate)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = $"""
                SELECT problem, sample_index, prompt_hash, completion, status, exit_code, duration_ms, stdout, stderr, {_compileMs}
                FROM samples WHERE run_id = $run ORDER BY rowid
                """;
            command.Parameters.AddWithValue("$run", runId);
            using SqliteDataReader reader = command.ExecuteReader();
            var samples = new List<SampleRecord>();
            while (reader.Read())
            {
                samples.Add(ReadSample(reader));
            }

            return samples;
        }
    }

    /// <summary>The schema version recorded in the file (<c>PRAGMA user_version</c>); 0 for a store no eval wrote.</summary>
    public int FileSchemaVersion => UserVersion();

    /// <summary>Whether the file has the runs and samples tables (a store from before versioning may not).</summary>
    public bool HasTables()
    {
        lock (_gate)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'samples')";
            return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 2;
        }
    }

    /// <summary>The run with this id, or null.</summary>
    public RunSummary? FindRun(long id) => QueryRuns("WHERE id = $id", null, id).SingleOrDefault();

    /// <summary>How many samples each run has stored, by run id (runs without samples are absent).</summary>
    public IReadOnlyDictionary<long, int> CountSamplesByRun()
    {
        lock (_gate)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT run_id, COUNT(*) FROM samples GROUP BY run_id";
            using SqliteDataReader reader = command.ExecuteReader();
            var counts = new Dictionary<long, int>();
            while (reader.Read())
            {
                counts[reader.GetInt64(0)] = reader.GetInt32(1);
            }

            return counts;
        }
    }

    /// <summary>A run's samples without their texts (for tables and charts), in the order of <see cref="GetSamples"/>.</summary>
    public IReadOnlyList<SampleOutcome> GetSampleOutcomes(long runId)
    {
        lock (_gate)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = $"SELECT problem, sample_index, status, exit_code, duration_ms, {_compileMs} FROM samples WHERE run_id = $run ORDER BY rowid";
            command.Parameters.AddWithValue("$run", runId);
            using SqliteDataReader reader = command.ExecuteReader();
            var outcomes = new List<SampleOutcome>();
            while (reader.Read())
            {
                outcomes.Add(new SampleOutcome(
                    reader.GetString(0),
                    reader.GetInt32(1),
                    reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetInt32(3),
                    reader.GetDouble(4),
                    reader.IsDBNull(5) ? null : reader.GetDouble(5)));
            }

            return outcomes;
        }
    }

    /// <summary>One sample of a run with its texts, or null.</summary>
    public SampleRecord? GetSample(long runId, string problem, int index)
    {
        lock (_gate)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = $"""
                SELECT problem, sample_index, prompt_hash, completion, status, exit_code, duration_ms, stdout, stderr, {_compileMs}
                FROM samples WHERE run_id = $run AND problem = $problem AND sample_index = $index
                """;
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$problem", problem);
            command.Parameters.AddWithValue("$index", index);
            using SqliteDataReader reader = command.ExecuteReader();
            return reader.Read() ? ReadSample(reader) : null;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _connection.Dispose();

    // Opens (creating if needed) a store for writing, in WAL mode, migrated to SchemaVersion.
    internal static ResultStore Open(string path)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate }.ToString());
        connection.Open();
        var store = new ResultStore(connection);
        // synchronous=NORMAL: in WAL mode a commit no longer waits for fsync (a crash of this process loses nothing;
        // a power loss may lose the last samples, which a resumed run executes again).
        store.Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;");
        store.Migrate(path);
        return store;
    }

    // Creates a run, or returns the existing run of that name to resume it (its benchmark must match).
    internal RunSummary StartOrResumeRun(string name, string benchmark, string? model, string? serverUrl, string configuration, string? gitCommit)
    {
        RunSummary? existing = FindRun(name);
        if (existing is not null)
        {
            if (existing.Benchmark != benchmark)
            {
                throw new InvalidOperationException($"Run '{name}' exists for benchmark {existing.Benchmark}, not {benchmark}: pick another --name.");
            }

            return existing;
        }

        lock (_gate)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = """
                INSERT INTO runs (name, benchmark, model, server_url, configuration, git_commit, started_at)
                VALUES ($name, $benchmark, $model, $server, $configuration, $commit, $started)
                """;
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$benchmark", benchmark);
            command.Parameters.AddWithValue("$model", (object?)model ?? DBNull.Value);
            command.Parameters.AddWithValue("$server", (object?)serverUrl ?? DBNull.Value);
            command.Parameters.AddWithValue("$configuration", configuration);
            command.Parameters.AddWithValue("$commit", (object?)gitCommit ?? DBNull.Value);
            command.Parameters.AddWithValue("$started", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            command.ExecuteNonQuery();
        }

        return FindRun(name)!;
    }

    internal void SaveSample(long runId, SampleRecord sample)
    {
        lock (_gate)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = """
                INSERT OR REPLACE INTO samples (run_id, problem, sample_index, prompt_hash, completion, status, exit_code, duration_ms, stdout, stderr, compile_ms)
                VALUES ($run, $problem, $index, $hash, $completion, $status, $exit, $duration, $stdout, $stderr, $compile)
                """;
            command.Parameters.AddWithValue("$run", runId);
            command.Parameters.AddWithValue("$problem", sample.Problem);
            command.Parameters.AddWithValue("$index", sample.Index);
            command.Parameters.AddWithValue("$hash", sample.PromptHash);
            command.Parameters.AddWithValue("$completion", sample.Completion);
            command.Parameters.AddWithValue("$status", sample.Status);
            command.Parameters.AddWithValue("$exit", (object?)sample.ExitCode ?? DBNull.Value);
            command.Parameters.AddWithValue("$duration", sample.DurationMs);
            command.Parameters.AddWithValue("$stdout", sample.Stdout);
            command.Parameters.AddWithValue("$stderr", sample.Stderr);
            command.Parameters.AddWithValue("$compile", (object?)sample.CompileMs ?? DBNull.Value);
            command.ExecuteNonQuery();
        }
    }

    internal void FinishRun(long runId, IReadOnlyDictionary<int, double> passAtK)
    {
        lock (_gate)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "UPDATE runs SET finished_at = $finished, pass_at_k = $pass WHERE id = $run";
            command.Parameters.AddWithValue("$finished", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            command.Parameters.AddWithValue("$pass", JsonSerializer.Serialize(passAtK.ToDictionary(p => p.Key.ToString(CultureInfo.InvariantCulture), p => p.Value)));
            command.Parameters.AddWithValue("$run", runId);
            command.ExecuteNonQuery();
        }
    }

    private void Migrate(string path)
    {
        int version = UserVersion();
        if (version > SchemaVersion)
        {
            throw new InvalidOperationException($"{path} has schema version {version}; this code writes up to {SchemaVersion}.");
        }

        for (int next = version; next < Migrations.Length; next++)
        {
            lock (_gate)
            {
                using SqliteTransaction transaction = _connection.BeginTransaction();
                using SqliteCommand command = _connection.CreateCommand();
                command.Transaction = transaction;
                command.CommandText = Migrations[next] + $"\nPRAGMA user_version = {next + 1};";
                command.ExecuteNonQuery();
                transaction.Commit();
            }
        }
    }

    private int UserVersion()
    {
        lock (_gate)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "PRAGMA user_version";
            return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
    }

    private void Execute(string sql)
    {
        lock (_gate)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
    }

    // Columns: problem, sample_index, prompt_hash, completion, status, exit_code, duration_ms, stdout, stderr, compile_ms.
    private static SampleRecord ReadSample(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetInt32(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetInt32(5),
        reader.GetDouble(6),
        reader.GetString(7),
        reader.GetString(8),
        reader.IsDBNull(9) ? null : reader.GetDouble(9));

    private List<RunSummary> QueryRuns(string clause, string? name, long? id = null)
    {
        lock (_gate)
        {
            using SqliteCommand command = _connection.CreateCommand();
            command.CommandText = "SELECT id, name, benchmark, model, server_url, configuration, git_commit, started_at, finished_at, pass_at_k FROM runs " + clause;
            if (name is not null)
            {
                command.Parameters.AddWithValue("$name", name);
            }

            if (id is not null)
            {
                command.Parameters.AddWithValue("$id", id.Value);
            }

            using SqliteDataReader reader = command.ExecuteReader();
            var runs = new List<RunSummary>();
            while (reader.Read())
            {
                Dictionary<string, double> pass = JsonSerializer.Deserialize<Dictionary<string, double>>(reader.GetString(9)) ?? [];
                runs.Add(new RunSummary(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4),
                    reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6),
                    DateTimeOffset.Parse(reader.GetString(7), CultureInfo.InvariantCulture),
                    reader.IsDBNull(8) ? null : DateTimeOffset.Parse(reader.GetString(8), CultureInfo.InvariantCulture),
                    pass.ToDictionary(p => int.Parse(p.Key, CultureInfo.InvariantCulture), p => p.Value)));
            }

            return runs;
        }
    }
}
