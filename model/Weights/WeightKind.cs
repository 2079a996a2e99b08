namespace CodeGen.Model.Weights;

/// <summary>What a weight is for; random initialisation picks its distribution from this.</summary>
public enum WeightKind
{
    /// <summary>A projection matrix [out, in].</summary>
    Matrix,
    /// <summary>A projection bias [out].</summary>
    Bias,
    /// <summary>An RMSNorm gain [hidden].</summary>
    Norm,
    /// <summary>The token embedding [vocab, hidden].</summary>
    Embedding,
}
