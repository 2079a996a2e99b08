namespace CodeGen.Lsp.Tests.EndToEnd;

/// <summary>Tests that share one real server process (they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class RealServerCollection : ICollectionFixture<ServerProcessFixture>
{
    public const string Name = "real server";
}
