using CodeGen.Eval.Cli;

return EvalCommandLine.Create().Parse(args).Invoke();
