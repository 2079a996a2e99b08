namespace CodeGen.Training.Data;

// The kept documents, in path order, and the report of what was removed.
internal sealed record CorpusResult(IReadOnlyList<CorpusDocument> Documents, CorpusReport Report);
