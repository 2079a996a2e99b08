namespace CodeGen.Eval.Benchmarks;

// How MBPP-family prompts are written.
internal enum MbppPromptStyle
{
    // The original paper's (Austin et al. 2021) three-shot prompt with tasks 2, 3 and 4 as examples; the model
    // writes the code after "[BEGIN]" and stops at "[DONE]".
    ThreeShot,

    // Zero-shot: a docstring holding the task text and its first test, as the bigcode harness does; the model
    // continues with the code.
    Docstring,
}
