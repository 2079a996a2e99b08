using CodeGen.Eval.Storage;
using Microsoft.Data.Sqlite;

namespace CodeGen.Eval.Tests.Storage;

public sealed class ResultStoreTests : IDisposable
{
    // The tables as schema version 1 created them (versions 2 and 3 add an index and a column).
    private const string VersionOneTables = """
        CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, benchmark TEXT NOT NULL, model TEXT, server_url TEXT,
            configuration TEXT NOT NULL, git_commit TEXT, started_at TEXT NOT NULL, finished_at TEXT, pass_at_k TEXT NOT NULL DEFAULT '{}');
        CREATE TABLE samples (run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, problem TEXT NOT NULL, sample_index INTEGER NOT NULL,
            prompt_hash TEXT NOT NULL, completion TEXT NOT NULL, status TEXT NOT NULL, exit_code INTEGER, duration_ms REAL NOT NULL,
            stdout TEXT NOT NULL, stderr TEXT NOT NULL, PRIMARY KEY (run_id, problem, sample_index));

        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("codegen-eval-store-").FullName;

    private string Db => Path.Combine(_directory, "r.db");

    [Fact]
    public void Open_NewFile_WalModeAtLatestSchemaVersion()
    {
        using (ResultStore.Open(Db))
        {
        }

        Assert.Equal("wal", Scalar("PRAGMA journal_mode"));
        Assert.Equal(3L, Scalar("PRAGMA user_version"));
        Assert.Equal(3, ResultStore.SchemaVersion);
    }

    [Fact]
    public void Open_VersionOneFile_MigratesKeepingRows()
    {
        // A store as the first schema version left it.
        using (var connection = new SqliteConnection($"Data Source={Db}"))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = VersionOneTables + """
                INSERT INTO runs (name, benchmark, configuration, started_at, pass_at_k) VALUES ('old', 'mbpp', '{}', '2025-01-01T00:00:00.0000000+00:00', '{"1":0.25}');
                PRAGMA user_version = 1;
                """;
            command.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        using ResultStore store = ResultStore.Open(Db);

        RunSummary run = store.FindRun("old")!;
        Assert.Equal("mbpp", run.Benchmark);
        Assert.Equal(0.25, run.PassAtK[1]);
        Assert.Null(run.FinishedAt);
        Assert.Equal(3L, Scalar("PRAGMA user_version"));
        Assert.Equal("samples_status", Scalar("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'samples_status'"));
    }

    [Fact]
    public void ReadApi_RunWithSamples_RoundTrips()
    {
        using (ResultStore store = ResultStore.Open(Db))
        {
            RunSummary run = store.StartOrResumeRun("a", "humaneval", "m", "http://x/", "{\"samples\":1}", "abc");
            store.SaveSample(run.Id, new SampleRecord("HumanEval/0", 0, "0123456789abcdef", "    return 1\n", "failed", 1, 12.5, "", "AssertionError\n"));
            store.FinishRun(run.Id, new Dictionary<int, double> { [1] = 0.0 });
            Assert.Equal(run.Id, store.StartOrResumeRun("a", "humaneval", null, null, "{}", null).Id);
            Assert.Throws<InvalidOperationException>(() => store.StartOrResumeRun("a", "mbpp", null, null, "{}", null));
        }

        SqliteConnection.ClearAllPools();
        using ResultStore reader = ResultStore.OpenReadOnly(Db);
        RunSummary stored = Assert.Single(reader.ListRuns());
        Assert.Equal(("a", "humaneval", "m", "http://x/", "{\"samples\":1}", "abc"), (stored.Name, stored.Benchmark, stored.Model, stored.ServerUrl, stored.Configuration, stored.GitCommit));
        Assert.NotNull(stored.FinishedAt);
        Assert.Equal(0.0, stored.PassAtK[1]);
        Assert.Equal(
            new SampleRecord("HumanEval/0", 0, "0123456789abcdef", "    return 1\n", "failed", 1, 12.5, "", "AssertionError\n"),
            Assert.Single(reader.GetSamples(stored.Id)));
    }

    [Fact]
    public void ReadApi_SampleWithCompileTime_RoundTripsCompileMs()
    {
        using (ResultStore store = ResultStore.Open(Db))
        {
            RunSummary run = store.StartOrResumeRun("cs", "humaneval-cs", null, null, "{}", null);
            store.SaveSample(run.Id, new SampleRecord("HumanEval_0", 0, "0123456789abcdef", "x", "runtime_error", 134, 150.5, "", "", 40.25));
            store.SaveSample(run.Id, new SampleRecord("HumanEval_1", 0, "0123456789abcdef", "y", "passed", 0, 90.0, "", ""));
        }

        SqliteConnection.ClearAllPools();
        using ResultStore reader = ResultStore.OpenReadOnly(Db);
        long id = reader.FindRun("cs")!.Id;
        Assert.Equal([40.25, null], reader.GetSamples(id).Select(s => s.CompileMs));
        Assert.Equal([40.25, null], reader.GetSampleOutcomes(id).Select(s => s.CompileMs));
        Assert.Equal(40.25, reader.GetSample(id, "HumanEval_0", 0)!.CompileMs);
    }

    [Fact]
    public void OpenReadOnly_VersionTwoFile_ReadsSamplesWithoutCompileMs()
    {
        using (var connection = new SqliteConnection($"Data Source={Db}"))
        {
            connection.Open();
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = VersionOneTables + """
                CREATE INDEX samples_status ON samples(run_id, status);
                INSERT INTO runs (name, benchmark, configuration, started_at) VALUES ('old', 'humaneval', '{}', '2025-01-01T00:00:00.0000000+00:00');
                INSERT INTO samples VALUES (1, 'HumanEval/0', 0, '0123456789abcdef', 'c', 'passed', 0, 20.0, '', '');
                PRAGMA user_version = 2;
                """;
            command.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        using ResultStore reader = ResultStore.OpenReadOnly(Db);

        Assert.Equal(new SampleOutcome("HumanEval/0", 0, "passed", 0, 20.0, null), Assert.Single(reader.GetSampleOutcomes(1)));
        Assert.Null(Assert.Single(reader.GetSamples(1)).CompileMs);
        Assert.Equal(2, reader.FileSchemaVersion);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private object? Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Db}");
        connection.Open();
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
