using Microsoft.Playwright;

namespace CodeGen.Web.Tests.Browser;

/// <summary>
/// The app on loopback over the demo store and a training directory, and Debian's chromium driven by Playwright
/// (no browser download: ExecutablePath points at the system's chromium). Shared by the browser tests.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly TempDirectory _directory = new();
    private RunningWebApp? _app;
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public Uri BaseAddress => _app!.BaseAddress;

    /// <summary>Where screenshots go: a folder in the test output.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));
        string training = _directory.File("training");
        Directory.CreateDirectory(Path.Combine(training, "tiny"));
        await File.WriteAllLinesAsync(
            Path.Combine(training, "tiny", "metrics.jsonl"),
            Enumerable.Range(1, 200).Select(MetricsLine));
        _app = await RunningWebApp.StartAsync(dbPath, training);
        Directory.CreateDirectory(ScreenshotDirectory);

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _directory.Dispose();
    }

    /// <summary>A fresh page at 1280x900 whose console errors and page errors are collected.</summary>
    public async Task<(IPage Page, List<string> Errors)> NewPageAsync()
    {
        IPage page = await Browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        // Playwright's 30 s default ran out waiting for a page load on a 2-core machine at load average 20: a bound
        // on a hung page, not a measure of speed, so a generous one.
        page.SetDefaultTimeout(120_000);
        page.SetDefaultNavigationTimeout(120_000);
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        page.Dialog += (_, dialog) => errors.Add("dialog: " + dialog.Message);
        return (page, errors);
    }

    // A falling loss, steady throughput, validation every 50 steps.
    private static string MetricsLine(int step)
    {
        string val = step % 50 == 0 ? FormattableString.Invariant($",\"val_loss\":{9.2 / Math.Sqrt(step)}") : "";
        return FormattableString.Invariant($"{{\"step\":{step},\"loss\":{9.0 / Math.Sqrt(step)},\"lr\":0.001,\"tokens_per_s\":{1400 + (step % 7)},\"tokens\":{step * 4096},\"elapsed_s\":{step * 2.9}{val}}}");
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });
}
