"""Generate python_calls.json: what CPython's own parser makes of Python-call requests.

For each input the expected result follows PROTOCOL.md 8.2 step 3: the text is parsed with
`ast.parse`; it is accepted when the first statement is a call of the request name whose
positional and keyword arguments are all plain literals of the kinds a request can carry
(str, int, float, bool, None). Bytes, complex and Ellipsis literals are rejected on purpose
(documented in src/parse/python.rs). Run with CPython 3.11:

    python3 tests/data/python_calls.py > tests/data/python_calls.json
"""
import ast
import itertools
import json
import sys

ATOMS = [
    "1", "0", "00", "0_0", "007", "1_000", "1__0", "0x1A", "0x_1a", "0o17", "0b101", "0b2",
    "1.5", ".5", "5.", "1e5", "1E-3", "1.5e+3", "1_0.2_5", "1e", "1.2.3", "1j", "-1", "+1",
    "'a'", '"b"', "'it\\'s'", '"q\\"q"', "'''t'''", '"""u"""', "r'\\d'", "R'\\\\'", "u'x'",
    "b'x'", "f'x'", "'a' 'b'", "'a' b'b'", "'\\n\\t\\x41\\u00e9\\101\\q'", "'\\U0001F600'",
    "'a;b'", "'('", "')'", "','", "'='", "True", "False", "None", "x", "...", "(1)", "((2))",
    "(1, 2)", "[1]", "{}", "1 + 2", "not 1", "'unterminated", "*a", "**a", "a.b", "(x:=1)",
    "'\\x4'", "'\\777'", "''", '""', "  1  ", "1 # c", "# c", "'\\\\'", "0x", "1_", "_1",
]

def literal(node):
    if isinstance(node, ast.Constant) and (
        node.value is None or isinstance(node.value, (str, int, float, bool))
    ):
        v = node.value
        if isinstance(v, bool):
            return {"type": "bool", "value": v}
        if v is None:
            return {"type": "none"}
        if isinstance(v, int):
            return {"type": "int", "value": str(v)}
        if isinstance(v, float):
            return {"type": "float", "value": repr(v)}
        return {"type": "str", "value": v}
    raise ValueError("not a literal")

def expected(text, name):
    try:
        tree = ast.parse(text)
        call = tree.body[0].value
        assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
        assert call.func.id == name and len(tree.body) == 1
        args = [literal(a) for a in call.args]
        kwargs = {}
        for k in call.keywords:
            assert k.arg is not None
            kwargs[k.arg] = literal(k.value)
        return {"ok": True, "args": args, "kwargs": [[k, v] for k, v in kwargs.items()]}
    except Exception:
        return {"ok": False}

inputs = []
for a in ATOMS:
    inputs.append("f(%s)" % a)
    inputs.append("f(k=%s)" % a)
for a, b in itertools.product(ATOMS[:30], ATOMS[24:50]):
    inputs.append("f(%s, %s)" % (a, b))
inputs += [
    "f()", "f(,)", "f(1,)", "f(1,,2)", "f(k=1, 2)", "f(k=1, k=2)", "f(if=1)", "f(a=1, b='x')",
    "f(1)(2)", "f(1) + g(2)", "g(1)", "f (1)", "f(1) # trailing)", "f(1, # c\r2)",
    "f( 1 ,\t2 )", "f(1,\x0c2)", "f(\"a\" 'b' \"c\")",
]
cases = [{"input": t, **expected(t, "f")} for t in inputs]
json.dump({"python": sys.version.split()[0], "cases": cases}, sys.stdout, ensure_ascii=False, indent=0)
