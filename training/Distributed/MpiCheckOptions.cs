namespace CodeGen.Training.Distributed;

/// <summary>The training loop of <c>training mpi-check</c>: a fixed problem whose loss curve depends only on these values, not on the number of ranks.</summary>
internal sealed record MpiCheckOptions
{
    /// <summary>Optimizer steps (the last step of the run, when resuming).</summary>
    public int Steps { get; init; } = 20;

    /// <summary>Examples per step over all ranks; rank r of N takes the r-th of N equal slices, so it must divide by N.</summary>
    public int GlobalBatch { get; init; } = 16;

    /// <summary>Seed of the data and the initial weights (the same on every rank).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>AdamW's learning rate (constant).</summary>
    public double LearningRate { get; init; } = 0.01;

    /// <summary>Steps between weight comparisons across ranks (and the last step).</summary>
    public int CompareEvery { get; init; } = 5;

    /// <summary>Directory of checkpoint.safetensors (rank 0 writes it every <see cref="CheckpointEvery"/> steps); null: none.</summary>
    public string? Checkpoint { get; init; }

    /// <summary>Steps between checkpoints.</summary>
    public int CheckpointEvery { get; init; } = 5;

    /// <summary>Continue from the checkpoint in <see cref="Checkpoint"/>.</summary>
    public bool Resume { get; init; }

    /// <summary>Sleep after each step (lets tests stop a rank mid-run).</summary>
    public int StepDelayMs { get; init; }

    /// <summary>For tests: this rank throws at <see cref="FailAtStep"/>, as a rank with a bug would.</summary>
    public int? FailRank { get; init; }

    /// <summary>The step at which <see cref="FailRank"/> throws.</summary>
    public int FailAtStep { get; init; } = 1;
}
