use super::*;
use crate::RequestErrorKind;

fn ok(part: &str) -> PythonArgs {
    let name = crate::parse::leading_name(part).unwrap();
    parse_python(part, name).unwrap_or_else(|e| panic!("{part:?}: {e}"))
}

fn err(part: &str) -> RequestError {
    let name = crate::parse::leading_name(part).unwrap();
    let e = parse_python(part, name).expect_err(part);
    assert_eq!(e.kind(), RequestErrorKind::Syntax, "{part:?}");
    e
}

fn s(x: &str) -> Value {
    Value::from(x)
}

#[test]
fn literals() {
    assert_eq!(ok("f()"), (vec![], vec![]));
    assert_eq!(ok("f(1,)"), (vec![Value::from(1)], vec![]));
    assert_eq!(
        ok("add(2, b=3.5)"),
        (vec![Value::from(2)], vec![("b".into(), Value::Float(3.5))])
    );
    assert_eq!(
        ok("f(0x_1A, 0o17, 0B11, 1_000, 0, 00, .5, 5., 1e3, 1.5E-3)"),
        (
            vec![
                Value::from(26),
                Value::from(15),
                Value::from(3),
                Value::from(1000),
                Value::from(0),
                Value::from(0),
                Value::Float(0.5),
                Value::Float(5.0),
                Value::Float(1000.0),
                Value::Float(0.0015),
            ],
            vec![]
        )
    );
    assert_eq!(
        ok("f(True, False, None, (1), ((2.5)))"),
        (
            vec![
                Value::Bool(true),
                Value::Bool(false),
                Value::None,
                Value::from(1),
                Value::Float(2.5)
            ],
            vec![]
        )
    );
    assert_eq!(
        ok("f(99999999999999999999999)").0[0].to_string(),
        "99999999999999999999999"
    );
}

#[test]
fn strings() {
    assert_eq!(
        ok(r#"f('a', "b", '''c'd''', """e"f""")"#).0,
        vec![s("a"), s("b"), s("c'd"), s("e\"f")]
    );
    assert_eq!(ok(r"f('a' 'b' u'c')").0, vec![s("abc")]);
    assert_eq!(
        ok(r"f('\n\t\\\'\x41\u00e9\U0001F600\101\0\q')").0,
        vec![s("\n\t\\'Aé😀A\0\\q")]
    );
    assert_eq!(ok(r"f(r'\d\'', R'\\')").0, vec![s("\\d\\'"), s("\\\\")]);
    assert_eq!(ok("f('a;b', 'x)')").0, vec![s("a;b"), s("x)")]);
    assert_eq!(ok("f('(', k='=')").1, vec![("k".into(), s("="))]);
}

#[test]
fn whitespace_and_comments() {
    assert_eq!(
        ok("f( 1 ,\t2 ,\r3 )").0,
        vec![Value::from(1), Value::from(2), Value::from(3)]
    );
    assert_eq!(ok("f(1) # trailing comment)").0, vec![Value::from(1)]);
    assert_eq!(
        ok("f(1, # inner\r2)").0,
        vec![Value::from(1), Value::from(2)]
    );
}

#[test]
fn rejections() {
    for bad in [
        "echo(-1)",
        "echo(x)",
        "echo(+1)",
        "echo(1+2)",
        "echo(*a)",
        "echo(**a)",
        "echo(a.b)",
        "echo(1)(2)",
        "echo(1) + f(2)",
        "echo(007)",
        "echo(1j)",
        "echo(b'x')",
        "echo(f'x')",
        "echo(...)",
        "echo('\\N{DASH}')",
        "echo(1,,2)",
        "echo(,)",
        "echo(k=1, 2)",
        "echo(if=1)",
        "echo('abc)",
        "echo('\\x4')",
        "echo('\\ud800')",
        "echo(1__0)",
        "echo(0x)",
        "echo(0x_)",
        "echo(1_)",
        "echo(1.2.3)",
        "echo(1e)",
        "echo([1])",
        "echo((1, 2))",
        "echo(1 2)",
        "echo(k==1)",
        "echo('a'\n)",
        "other(1)",
    ] {
        let name = crate::parse::leading_name(bad).unwrap();
        let want = if bad.starts_with("other") {
            "echo"
        } else {
            name
        };
        let e = parse_python(bad, want).expect_err(bad);
        assert_eq!(e.kind(), RequestErrorKind::Syntax, "{bad:?}");
    }
    assert!(err("echo(x)").detail().contains("not a literal"));
}

#[test]
fn limits_of_cpython() {
    let nested = |n: usize| format!("f({}1{})", "(".repeat(n), ")".repeat(n));
    assert_eq!(ok(&nested(199)).0, vec![Value::from(1)]);
    assert!(err(&nested(200)).detail().contains("nested"));
    // Deep nesting is an error, never a stack overflow.
    err(&nested(100_000));
    let digits = |n: usize| format!("f({})", "1".repeat(n));
    assert_eq!(ok(&digits(4300)).0.len(), 1);
    err(&digits(4301));
    // Hexadecimal literals have no digit limit in Python.
    assert_eq!(ok(&format!("f(0x{})", "f".repeat(5000))).0.len(), 1);
}

#[test]
fn repeated_keywords_keep_the_last_value() {
    let (_, kwargs) = ok("f(k=1, j=2, k=3)");
    assert_eq!(
        kwargs,
        vec![("k".into(), Value::from(3)), ("j".into(), Value::from(2))]
    );
}
