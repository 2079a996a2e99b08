using System.Net;
using AngleSharp.Dom;
using Microsoft.Data.Sqlite;

namespace CodeGen.Web.Tests.Pages;

public sealed class HomePageTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task Get_DbFileMissing_ShowsNoRunsYet()
    {
        string dbPath = _directory.File("results.db");

        (HttpStatusCode status, string body) = await TestHttp.GetAsync(dbPath, "/");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            $"No evaluation runs yet: there is no results store at {dbPath}. Runs recorded with eval run --db {dbPath} appear here.",
            Html.Parse(body).QuerySelector("[role=status]")!.Text());
        Assert.False(File.Exists(dbPath), "Reading must not create the store.");
    }

    [Fact]
    public async Task Get_StoreWithoutRuns_ShowsNoRunsYet()
    {
        string dbPath = _directory.File("results.db");
        SeededStore.Create(dbPath).Dispose();

        (HttpStatusCode status, string body) = await TestHttp.GetAsync(dbPath, "/");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal($"No evaluation runs yet. Runs recorded with eval run --db {dbPath} appear here.", Html.Parse(body).QuerySelector("main p")!.Text());
    }

    [Fact]
    public async Task Get_DemoStore_ListsRunsNewestFirstWithTheirColumns()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (HttpStatusCode status, string body) = await TestHttp.GetAsync(dbPath, "/");

        Assert.Equal(HttpStatusCode.OK, status);
        IDocument page = Html.Parse(body);
        Assert.Equal(
            ["Run", "Model", "Adapter", "Benchmark", "Date ▼", "Samples", "pass@1", "pass@k", "Duration", "Commit"],
            page.QuerySelectorAll("#runs-table thead th").Skip(1).Select(th => th.Text()).ToArray());
        Assert.Equal(
            [
                ["", "in-progress", "tiny-llama", "—", "humaneval", "2025-01-04 12:00", "1", "—", "—", "running", "0123456789"],
                ["", "mbpp-run", "other-model", "—", "mbpp", "2025-01-03 12:00", "4", "0.250", "0.500 (k=2)", "5 min 0 s", "0123456789"],
                ["", "finetuned", "tiny-llama", "lora-v1", "humaneval", "2025-01-02 12:00", "4", "0.750", "—", "1 min 30 s", "bbbbbbbbbb"],
                ["", "baseline", "tiny-llama", "—", "humaneval", "2025-01-01 12:00", "4", "0.500", "—", "1 min 30 s", "aaaaaaaaaa"],
            ],
            page.Rows("#runs-table"));
        Assert.Equal("Showing 1–4 of 4 runs.", page.QuerySelector("#runs-count")!.Text());
    }

    [Fact]
    public async Task Get_SortByPassAt1Ascending_PutsUnfinishedRunsLast()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (_, string body) = await TestHttp.GetAsync(dbPath, "/?sort=pass1&dir=asc");

        Assert.Equal(["mbpp-run", "baseline", "finetuned", "in-progress"], Html.Parse(body).Rows("#runs-table").Select(r => r[1]).ToArray());
    }

    [Fact]
    public async Task Get_FilterByBenchmarkAndSearch_ShowsOnlyMatchingRuns()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (_, string body) = await TestHttp.GetAsync(dbPath, "/?benchmark=humaneval&q=LORA");

        IDocument page = Html.Parse(body);
        Assert.Equal(["finetuned"], page.Rows("#runs-table").Select(r => r[1]).ToArray());
        Assert.Equal("Showing 1–1 of 1 runs matching (4 in the store).", page.QuerySelector("#runs-count")!.Text());
    }

    [Fact]
    public async Task Get_PageTwoOfSize10_ShowsRuns11To20AndPageLinks()
    {
        string dbPath = _directory.File("results.db");
        using (SeededStore store = SeededStore.Create(dbPath))
        {
            for (int i = 1; i <= 25; i++)
            {
                store.AddRun($"run-{i:00}", startedAt: DemoStore.Day1.AddHours(i), passAtK: new Dictionary<int, double> { [1] = i / 100.0 });
            }
        }

        (_, string body) = await TestHttp.GetAsync(dbPath, "/?page=2&size=10");

        IDocument page = Html.Parse(body);
        Assert.Equal([.. Enumerable.Range(6, 10).Reverse().Select(i => $"run-{i:00}")], page.Rows("#runs-table").Select(r => r[1]).ToArray());
        Assert.Equal("Showing 11–20 of 25 runs.", page.QuerySelector("#runs-count")!.Text());
        Assert.Equal(["Previous", "1", "2", "3", "Next"], page.QuerySelectorAll("nav[aria-label='Runs pages'] .page-link").Select(a => a.Text()).ToArray());
        Assert.Equal("/?page=3&size=10", page.QuerySelector("nav[aria-label='Runs pages'] a[rel=next]")!.GetAttribute("href"));
    }

    [Fact]
    public async Task Get_RunsTableOfAnOlderSchema_ShowsSchemaMessage()
    {
        string dbPath = _directory.File("results.db");
        CreateDatabase(dbPath, "CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", "INSERT INTO runs (name) VALUES ('a')");

        (HttpStatusCode status, string body) = await TestHttp.GetAsync(dbPath, "/");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.StartsWith(
            $"The results store {dbPath} was written by an older version of eval (schema version 0; this dashboard reads version 3), so its runs cannot be shown.",
            Html.Parse(body).QuerySelector("[role=status]")!.Text(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_StoreMissingAColumn_ShowsSchemaMessageWithSqliteDetail()
    {
        string dbPath = _directory.File("results.db");
        CreateDatabase(dbPath,
            "CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
            "CREATE TABLE samples (run_id INTEGER, problem TEXT)",
            "PRAGMA user_version = 1");

        (_, string body) = await TestHttp.GetAsync(dbPath, "/");

        string notice = Html.Parse(body).QuerySelector("[role=status]")!.Text();
        Assert.Contains("was written by an older version of eval (schema version 1; this dashboard reads version 3)", notice, StringComparison.Ordinal);
        Assert.Contains("no such column", notice, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_StoreOfANewerSchema_SaysToUpdateTheDashboard()
    {
        string dbPath = _directory.File("results.db");
        CreateDatabase(dbPath, "PRAGMA user_version = 99");

        (_, string body) = await TestHttp.GetAsync(dbPath, "/");

        Assert.Equal(
            $"The results store {dbPath} was written by a newer version of eval than this dashboard: {dbPath} has schema version 99; this code reads up to 3. Update the dashboard to see its runs.",
            Html.Parse(body).QuerySelector("[role=status]")!.Text());
    }

    [Fact]
    public async Task Get_FileIsNotSqlite_ShowsWhyItCannotBeRead()
    {
        string dbPath = _directory.File("results.db");
        await File.WriteAllTextAsync(dbPath, "this is not a SQLite database, just text long enough to have a header");

        (HttpStatusCode status, string body) = await TestHttp.GetAsync(dbPath, "/");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            $"The results store {dbPath} could not be read: SQLite Error 26: 'file is not a database'.",
            Html.Parse(body).QuerySelector("[role=status]")!.Text());
    }

    [Fact]
    public async Task Get_PathIsDirectory_ShowsWhyItCannotBeRead()
    {
        (HttpStatusCode status, string body) = await TestHttp.GetAsync(_directory.Path, "/");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(
            $"The results store {_directory.Path} could not be read: it is a directory, not a SQLite file",
            Html.Parse(body).QuerySelector("[role=status]")!.Text());
    }

    public void Dispose() => _directory.Dispose();

    private static void CreateDatabase(string path, params string[] statements)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        foreach (string statement in statements)
        {
            using SqliteCommand command = connection.CreateCommand();
            command.CommandText = statement;
            command.ExecuteNonQuery();
        }
    }
}
