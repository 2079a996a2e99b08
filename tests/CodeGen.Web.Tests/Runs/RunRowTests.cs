using CodeGen.Eval.Storage;
using CodeGen.Web.Runs;

namespace CodeGen.Web.Tests.Runs;

public sealed class RunRowTests
{
    // The configuration `eval run --server URL --model alpha` stores when the server lists alpha as an adapter.
    private const string EvalServerRunConfiguration = """
        {"benchmark":"humaneval","source":"server","server":"http://127.0.0.1:8080/","completions":null,"samples":1,"temperature":0,
         "max_tokens":512,"constrain":null,"speculative":null,"model":"alpha","adapter":"alpha","sandbox":"bubblewrap","parallel":2,
         "limit":1,"problems":null,"problems_file":null,"mbpp_prompt":"3shot","python":"/usr/bin/python3","timeout_s":null}
        """;

    [Fact]
    public void From_EvalRunAgainstAnAdapter_ShowsTheAdapterBesideTheModel()
    {
        var run = new RunSummary(1, "adapted", "humaneval", "alpha", "http://127.0.0.1:8080/", EvalServerRunConfiguration, null,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(5), new Dictionary<int, double> { [1] = 0.5 });
        RunRow row = RunRow.From(run, samples: 1);
        Assert.Equal(("alpha", "alpha"), (row.Model, row.Adapter));
        Assert.Null(RunRow.From(run with { Configuration = EvalServerRunConfiguration.Replace("\"adapter\":\"alpha\"", "\"adapter\":null", StringComparison.Ordinal) }, 1).Adapter);
    }
}
