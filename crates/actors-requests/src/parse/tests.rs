use super::*;

fn lookup(name: &str) -> Option<bool> {
    match name {
        "echo" | "a" | "test" => Some(true),
        "nopy" => Some(false),
        _ => None,
    }
}

fn parse(text: &str, opts: ParseOptions) -> Result<Vec<SubRequest>, RequestError> {
    parse_message(text, &lookup, opts)
}

fn args(text: &str) -> Vec<Vec<Value>> {
    parse(text, ParseOptions::lenient())
        .unwrap_or_else(|e| panic!("{text:?}: {e}"))
        .into_iter()
        .map(|s| s.args)
        .collect()
}

#[test]
fn python_call_detection() {
    assert!(is_python_call("echo(1)"));
    assert!(is_python_call("echo()"));
    assert!(is_python_call("echo(1) + x(2)"));
    assert!(!is_python_call("echo (1)"));
    assert!(!is_python_call("echo(1"));
    assert!(!is_python_call("echo(1\n)"));
    assert!(!is_python_call("(1)"));
    assert_eq!(leading_name("٣x y"), Some("٣x"));
    assert_eq!(leading_name("-x"), None);
}

#[test]
fn errors_keep_their_kind() {
    let reference = ParseOptions::reference();
    assert_eq!(
        parse("nope 1", reference).unwrap_err().kind(),
        RequestErrorKind::UnknownRequest
    );
    assert_eq!(
        parse("nopy(1)", reference).unwrap_err().kind(),
        RequestErrorKind::PythonSyntaxRefused
    );
    assert_eq!(
        parse("echo x", reference).unwrap_err().kind(),
        RequestErrorKind::Syntax
    );
    // The lenient retry reports the reference error when it fails too.
    assert_eq!(
        parse("nope 1", ParseOptions::lenient()).unwrap_err().kind(),
        RequestErrorKind::UnknownRequest
    );
    assert_eq!(
        parse("echo x", ParseOptions::lenient()).unwrap_err().kind(),
        RequestErrorKind::Syntax
    );
    // The whole message fails when one part does.
    assert!(parse("echo 1; echo x", reference).is_err());
}

#[test]
fn parts_without_a_name_are_skipped() {
    let subs = parse(" ; -- ; echo 1 ;", ParseOptions::reference()).unwrap();
    assert_eq!(subs.len(), 1);
    assert!(parse("", ParseOptions::reference()).unwrap().is_empty());
}

#[test]
fn lenient_keeps_every_reference_parse() {
    // The reference reads these two parts separately; a quote-aware split would not.
    assert_eq!(
        args("echo \"a; echo \"b\""),
        vec![vec![Value::from("a")], vec![Value::from("b")]]
    );
    assert_eq!(args("echo 'x;y'"), vec![vec![Value::from("x;y")]]);
    assert_eq!(
        args("echo 'x;y'; echo 1"),
        vec![vec![Value::from("x;y")], vec![Value::from(1)]]
    );
}

#[test]
fn joined_single_characters_c3() {
    assert_eq!(args("a5"), vec![vec![Value::from(5)]]);
    assert_eq!(
        args("a567"),
        vec![vec![Value::from(5), Value::from(6), Value::from(7)]]
    );
    assert_eq!(args("a"), vec![Vec::<Value>::new()]);
    assert!(parse("a5", ParseOptions::reference()).is_err());
    assert!(parse("a5x", ParseOptions::lenient()).is_err());
    assert!(parse("b5", ParseOptions::lenient()).is_err());
    // A registered longer name wins.
    let longer = |n: &str| matches!(n, "a" | "a5").then_some(true);
    let subs = parse_message("a5", &longer, ParseOptions::lenient()).unwrap();
    assert_eq!((subs[0].name.as_str(), subs[0].args.len()), ("a5", 0));
}

#[test]
fn names_resolve_with_syntax() {
    let subs = parse("echo(1, k='v'); test 2", ParseOptions::reference()).unwrap();
    assert_eq!(subs[0].syntax, Syntax::Python);
    assert_eq!(subs[0].kwargs, vec![("k".to_string(), Value::from("v"))]);
    assert_eq!(subs[1].syntax, Syntax::Normal);
    assert_eq!(subs[1].name, "test");
}
