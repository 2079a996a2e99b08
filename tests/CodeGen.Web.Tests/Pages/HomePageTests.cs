using System.Net;
using Microsoft.Data.Sqlite;

namespace CodeGen.Web.Tests.Pages;

public sealed class HomePageTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task Get_DbFileMissing_ShowsNoRunsYet()
    {
        string dbPath = _directory.File("results.db");

        (HttpStatusCode status, string body) = await GetHomeAsync(dbPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<p>No evaluation runs yet.", body, StringComparison.Ordinal);
        Assert.False(File.Exists(dbPath), "Reading must not create the store.");
    }

    [Fact]
    public async Task Get_RunsTableWithThreeRows_ShowsThreeRuns()
    {
        string dbPath = _directory.File("results.db");
        CreateDatabase(dbPath,
            "CREATE TABLE runs (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
            "INSERT INTO runs (name) VALUES ('a'), ('b'), ('c')");

        (HttpStatusCode status, string body) = await GetHomeAsync(dbPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains($"<p>3 evaluation runs recorded in <code>{dbPath}</code>.</p>", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_EmptyRunsTable_ShowsNoRunsYet()
    {
        string dbPath = _directory.File("results.db");
        CreateDatabase(dbPath, "CREATE TABLE runs (id INTEGER PRIMARY KEY)");

        (HttpStatusCode status, string body) = await GetHomeAsync(dbPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("<p>No evaluation runs yet.", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_DbWithoutRunsTable_ShowsSchemaMessage()
    {
        string dbPath = _directory.File("results.db");
        CreateDatabase(dbPath, "CREATE TABLE results (id INTEGER PRIMARY KEY)");

        (HttpStatusCode status, string body) = await GetHomeAsync(dbPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("This store has no runs table (older or foreign schema)", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_FileIsNotSqlite_ShowsWhyItCannotBeRead()
    {
        string dbPath = _directory.File("results.db");
        await File.WriteAllTextAsync(dbPath, "this is not a SQLite database, just text long enough to have a header");

        (HttpStatusCode status, string body) = await GetHomeAsync(dbPath);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(
            $"<p>The results store <code>{dbPath}</code> could not be read: SQLite Error 26: &#x27;file is not a database&#x27;.</p>",
            body,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_PathIsDirectory_ShowsWhyItCannotBeRead()
    {
        (HttpStatusCode status, string body) = await GetHomeAsync(_directory.Path);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("could not be read: it is a directory, not a SQLite file</p>", body, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();

    private static async Task<(HttpStatusCode Status, string Body)> GetHomeAsync(string dbPath)
    {
        await using RunningWebApp app = await RunningWebApp.StartAsync(dbPath);
        using HttpResponseMessage response = await app.Client.GetAsync(new Uri("/", UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

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
