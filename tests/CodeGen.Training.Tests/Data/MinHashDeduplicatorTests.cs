using CodeGen.Training.Data;

namespace CodeGen.Training.Tests.Data;

public sealed class MinHashDeduplicatorTests
{
    private readonly MinHashDeduplicator _deduplicator = new(new NearDedupOptions());

    [Fact]
    public void Deduplicate_PlantedNearDuplicates_RemovesThemAndKeepsDistinctFiles()
    {
        string a = SampleCode.Generate(seed: 1);
        string b = SampleCode.Generate(seed: 2);
        string c = SampleCode.Generate(seed: 3);

        NearDedupResult result = _deduplicator.Deduplicate([a, b, SampleCode.Edit(a), c, SampleCode.Edit(b), SampleCode.Edit(SampleCode.Edit(a))]);

        Assert.Equal([-1, -1, 0, -1, 1, 0], result.DuplicateOf);
        Assert.Equal(3, result.Removed);
        Assert.Equal(2, result.Clusters);
    }

    [Fact]
    public void Deduplicate_DistinctFiles_KeepsAll()
    {
        NearDedupResult result = _deduplicator.Deduplicate([.. Enumerable.Range(10, 20).Select(seed => SampleCode.Generate(seed))]);

        Assert.Equal(0, result.Removed);
    }

    [Fact]
    public void Deduplicate_TextWithoutWords_IsKept()
    {
        NearDedupResult result = _deduplicator.Deduplicate(["{ } ( )", "{ } ( )", "x"]);

        Assert.Equal([-1, -1, -1], result.DuplicateOf);
    }

    [Fact]
    public void Deduplicate_HalfChanged_IsKeptAtThresholdSeventy()
    {
        string a = SampleCode.Generate(seed: 1, lines: 40);
        string half = string.Concat(a.Split('\n').Take(20).Select(line => line + "\n")) + SampleCode.Generate(seed: 5, lines: 20);

        NearDedupResult result = _deduplicator.Deduplicate([a, half]);

        Assert.Equal([-1, -1], result.DuplicateOf);
    }

    [Fact]
    public void EstimatedJaccard_NearCopy_IsCloseToExactJaccard()
    {
        string a = SampleCode.Generate(seed: 1);
        string b = SampleCode.Edit(a);

        double estimate = MinHashDeduplicator.EstimatedJaccard(_deduplicator.Signature(a)!, _deduplicator.Signature(b)!);

        // Exact: 196 shingles; the rename replaces 5, the added line adds 3: 191 shared of 204.
        Assert.Equal(191.0 / 204, estimate, tolerance: 0.06);
    }

    [Fact]
    public void Signature_SameSeed_IsDeterministic()
    {
        MinHashDeduplicator other = new(new NearDedupOptions());
        string text = SampleCode.Generate(seed: 7);

        Assert.Equal(_deduplicator.Signature(text), other.Signature(text));
    }

    [Fact]
    public void OptimalBandsRows_DefaultThreshold_PicksTwentyFiveBandsOfTen()
    {
        Assert.Equal((25, 10), MinHashDeduplicator.OptimalBandsRows(0.7, 256));
        Assert.Equal(25, _deduplicator.Bands);
        Assert.Equal(10, _deduplicator.Rows);
    }
}
