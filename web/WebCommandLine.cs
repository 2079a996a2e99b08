using System.CommandLine;
using System.CommandLine.Parsing;
using Microsoft.AspNetCore.Http;

namespace CodeGen.Web;

// The web app's command line: --db PATH, --urls URLS, --training-dir DIR.
internal static class WebCommandLine
{
    public static RootCommand Create(Func<WebOptions, CancellationToken, Task<int>> run)
    {
        var db = new Option<string>("--db")
        {
            Description = "SQLite results store written by 'eval run'.",
            HelpName = "PATH",
            DefaultValueFactory = _ => WebOptions.DefaultDbPath,
        };
        db.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError("--db must name a file.");
            }
        });

        var urls = new Option<string>("--urls")
        {
            Description = "Addresses to listen on, separated by ';'.",
            HelpName = "URLS",
            DefaultValueFactory = _ => WebOptions.DefaultUrls,
        };
        urls.Validators.Add(ValidateUrls);

        var trainingDir = new Option<string?>("--training-dir")
        {
            Description = "Directory of training metrics (JSONL).",
            HelpName = "DIR",
        };

        var root = new RootCommand("CodeGen web: evaluation results and training progress.") { db, urls, trainingDir };
        root.SetAction((parseResult, cancellationToken) => run(
            new WebOptions(
                parseResult.GetRequiredValue(db),
                parseResult.GetRequiredValue(urls),
                parseResult.GetValue(trainingDir)),
            cancellationToken));
        return root;
    }

    private static void ValidateUrls(OptionResult result)
    {
        string value = result.GetValueOrDefault<string>() ?? "";
        string[] addresses = value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (addresses.Length == 0)
        {
            result.AddError("--urls must name at least one address, such as http://127.0.0.1:5080.");
            return;
        }

        foreach (string address in addresses)
        {
            if (!IsHttpAddress(address))
            {
                result.AddError($"--urls: '{address}' is not an http or https address such as http://127.0.0.1:5080.");
            }
        }
    }

    private static bool IsHttpAddress(string address)
    {
        BindingAddress parsed;
        try
        {
            parsed = BindingAddress.Parse(address);
        }
        catch (FormatException)
        {
            return false;
        }

        // BindingAddress keeps an unparsable port in the host ("127.0.0.1:x"); IPv6 hosts come bracketed.
        bool hostIsClean = parsed.IsUnixPipe || parsed.Host.StartsWith('[') || !parsed.Host.Contains(':', StringComparison.Ordinal);
        return (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps) && parsed.Host.Length > 0 && hostIsClean;
    }
}
