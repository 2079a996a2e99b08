using CodeGen.Eval.Sandbox;

namespace CodeGen.Eval.Tests;

// One bubblewrap sandbox with two slots shared by every test that runs programs (creating one probes bwrap).
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SandboxFixture : IAsyncLifetime
{
    private BubblewrapSandbox? _sandbox;

    internal BubblewrapSandbox Sandbox => _sandbox ?? throw new InvalidOperationException("The fixture is not initialised.");

    public const int FirstUid = 62100;

    public async Task InitializeAsync()
    {
        if (!File.Exists("/usr/bin/bwrap") || !File.Exists("/usr/bin/python3"))
        {
            throw new InvalidOperationException(
                "These tests need Debian's bubblewrap and python3 (/usr/bin/bwrap, /usr/bin/python3): run ./test.sh, which installs them, or apt-get install bubblewrap python3.");
        }

        _sandbox = await BubblewrapSandbox.CreateAsync(new BubblewrapOptions { Slots = 2, FirstUid = FirstUid }, CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        _sandbox?.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class SandboxCollection : ICollectionFixture<SandboxFixture>
{
    public const string Name = "sandbox";
}
