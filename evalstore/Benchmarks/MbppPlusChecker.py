# The MBPP+ checker appended to every MBPP+ program (see MbppPlusProblem.cs for what it compares and why).
# The program defines, before this file: the prompt and the completion (so the entry point is a global), and
# _cg_params = {"reference": canonical solution source, "entry_point": function name, "task": EvalPlus task
# number, "inputs": base_input + plus_input as JSON, "atol": tolerance, "mode": "value"|"set"|"match",
# "marker": NonFiniteJson's marker key, "input_timeout_exit": exit status when one input runs too long}.
import copy as _cg_copy, json as _cg_json, math as _cg_math, signal as _cg_signal, sys as _cg_sys, time as _cg_time, os as _cg_os

class _CgInputTimeout(BaseException):
    pass

def _cg_alarm(signum, frame):
    raise _CgInputTimeout()

def _cg_close(out, exp, atol):
    if isinstance(out, bool) or isinstance(exp, bool):
        return out == exp
    if isinstance(out, (int, float)) and isinstance(exp, (int, float)):
        if _cg_math.isnan(out) and _cg_math.isnan(exp):
            return True
        return abs(out - exp) <= atol + 1e-7 * abs(exp)
    if isinstance(out, (list, tuple)) and isinstance(exp, (list, tuple)):
        return len(out) == len(exp) and all(_cg_close(o, e, atol) for o, e in zip(out, exp))
    return out == exp

def _cg_is_floats(x):
    if isinstance(x, float):
        return True
    if isinstance(x, (list, tuple)):
        return len(x) > 0 and all(isinstance(i, float) for i in x)
    return False

def _cg_equal(out, exp, atol, mode):
    if mode == "set":
        return set(out) == set(exp)
    if mode == "match":
        return (out is not None) == (exp is not None)
    if out == exp:
        return True
    if atol == 0 and _cg_is_floats(exp):
        atol = 1e-6
    return atol != 0 and _cg_close(out, exp, atol)

def _cg_float_hook(d):
    if len(d) == 1 and _cg_params["marker"] in d:
        return float(d[_cg_params["marker"]])
    return d

# EvalPlus stores tuples, sets and complex numbers as JSON lists and strings; its MBPP+ loader
# (mbpp_deserialize_inputs) restores them per task. The same per-task rules, written as a table.
def _cg_tuples(x):
    return tuple(_cg_tuples(i) for i in x) if isinstance(x, list) else x

def _cg_restore(n, inputs):
    T = tuple
    rules = [
        ({2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596, 616, 630, 726, 740, 744, 809}, lambda a: [T(x) for x in a]),
        ({63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780}, lambda a: [[T(x) for x in xs] for xs in a]),
        ({75, 413, 444, 753}, lambda a: [[T(x) for x in a[0]], a[1]]),
        ({106, 750}, lambda a: [a[0], T(a[1])]),
        ({115}, lambda a: [[set(x) if isinstance(x, list) and len(x) else {} for x in a[0]]]),
        ({124}, lambda a: [float(a[0]), complex(a[1])]),
        ({250, 405, 446, 617, 720, 763, 808}, lambda a: [T(a[0]), a[1]]),
        ({259, 401, 445}, lambda a: [T(T(x) for x in xs) for xs in a]),
        ({278}, lambda a: [T(T(x) if isinstance(x, list) else x for x in a[0])]),
        ({307}, lambda a: [T(a[0]), a[1], a[2]]),
        ({722}, lambda a: [{k: T(v) for k, v in a[0].items()}] + a[1:]),
        ({252}, lambda a: [complex(a[0])]),
        ({580, 615, 791}, _cg_tuples),
    ]
    for tasks, restore in rules:
        if n in tasks:
            return [restore(a) for a in inputs]
    return inputs

_cg_reference = {}
exec(compile(_cg_params["reference"], "<reference>", "exec"), _cg_reference)
_cg_candidate = globals()[_cg_params["entry_point"]]
_cg_signal.signal(_cg_signal.SIGALRM, _cg_alarm)
for _cg_index, _cg_args in enumerate(_cg_restore(_cg_params["task"], _cg_json.loads(_cg_params["inputs"], object_hook=_cg_float_hook))):
    _cg_start = _cg_time.perf_counter()
    _cg_expected = _cg_reference[_cg_params["entry_point"]](*_cg_copy.deepcopy(_cg_args))
    _cg_limit = max(1.0, 4 * (_cg_time.perf_counter() - _cg_start))
    _cg_signal.setitimer(_cg_signal.ITIMER_REAL, _cg_limit)
    try:
        _cg_output = _cg_candidate(*_cg_copy.deepcopy(_cg_args))
    except _CgInputTimeout:
        _cg_sys.stderr.write("codegen-eval: input timed out: input %d after %.3f s\n" % (_cg_index, _cg_limit))
        _cg_sys.stderr.flush()
        _cg_os._exit(_cg_params["input_timeout_exit"])
    finally:
        _cg_signal.setitimer(_cg_signal.ITIMER_REAL, 0)
    assert _cg_equal(_cg_output, _cg_expected, _cg_params["atol"], _cg_params["mode"]), "input %d: got %r, expected %r" % (_cg_index, _cg_output, _cg_expected)
