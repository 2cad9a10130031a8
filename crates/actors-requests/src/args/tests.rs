use super::*;

fn call(args: Vec<Value>, kwargs: Vec<(&str, Value)>, names: &[&str]) -> CallArgs {
    CallArgs::new(
        Caller::new("12345", Some("griffpatch".into())),
        "add",
        args,
        kwargs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        names.iter().map(|n| n.to_string()).collect(),
    )
}

fn one<T: FromArg>(v: Value) -> Option<T> {
    T::from_arg(v)
}

#[test]
fn scalar_conversions() {
    assert_eq!(one::<i64>(Value::from(5)), Some(5));
    assert_eq!(one::<i64>(Value::from("5")), Some(5));
    assert_eq!(one::<i64>(Value::from(" -5 ")), Some(-5));
    assert_eq!(one::<i64>(Value::from("1e3")), Some(1000));
    assert_eq!(one::<i64>(Value::Float(5.0)), Some(5));
    assert_eq!(one::<i64>(Value::Float(5.5)), None);
    assert_eq!(one::<i64>(Value::from("abc")), None);
    assert_eq!(one::<i64>(Value::None), None);
    assert_eq!(one::<u8>(Value::from(256)), None);
    assert_eq!(one::<u32>(Value::from(-1)), None);
    assert_eq!(
        one::<u64>(Value::from("18446744073709551615")),
        Some(u64::MAX)
    );
    assert_eq!(one::<i32>(Value::Bool(true)), Some(1));
    assert_eq!(one::<f64>(Value::from(2)), Some(2.0));
    assert_eq!(one::<f64>(Value::from("2.5")), Some(2.5));
    assert_eq!(
        one::<f64>(Value::from("-Infinity")),
        Some(f64::NEG_INFINITY)
    );
    assert_eq!(one::<f64>(Value::from("x")), None);
    assert_eq!(one::<String>(Value::from(5)), Some("5".into()));
    assert_eq!(one::<String>(Value::Float(5.0)), Some("5.0".into()));
    assert_eq!(one::<String>(Value::Bool(false)), Some("False".into()));
    assert_eq!(one::<bool>(Value::from("true")), Some(true));
    assert_eq!(one::<bool>(Value::from("False")), Some(false));
    assert_eq!(one::<bool>(Value::from(0)), Some(false));
    assert_eq!(one::<bool>(Value::from(2)), None);
    assert_eq!(one::<bool>(Value::from("yes")), None);
    assert_eq!(one::<char>(Value::from("é")), Some('é'));
    assert_eq!(one::<char>(Value::from("ab")), None);
    assert_eq!(one::<char>(Value::from(7)), Some('7'));
}

#[test]
fn parameters_in_order() {
    let mut cx = call(vec![Value::from(1), Value::from("x")], vec![], &[]);
    assert_eq!(
        Caller::from_request(&mut cx).unwrap().username.as_deref(),
        Some("griffpatch")
    );
    assert_eq!(i64::from_request(&mut cx), Ok(1));
    assert_eq!(String::from_request(&mut cx), Ok("x".to_string()));
    assert_eq!(Option::<i64>::from_request(&mut cx), Ok(None));
    assert_eq!(cx.finish(), Ok(()));
}

#[test]
fn rest_and_kwargs() {
    let mut cx = call(
        vec![Value::from(1), Value::from(2), Value::from("3")],
        vec![("k", Value::Float(2.5))],
        &[],
    );
    assert_eq!(i64::from_request(&mut cx), Ok(1));
    assert_eq!(Rest::<i64>::from_request(&mut cx), Ok(Rest(vec![2, 3])));
    let kw = Kwargs::from_request(&mut cx).unwrap();
    assert_eq!(kw.get("k"), Some(&Value::Float(2.5)));
    assert_eq!(cx.finish(), Ok(()));

    let mut cx = call(vec![Value::from(1), Value::from("x")], vec![], &[]);
    let err = Rest::<i64>::from_request(&mut cx).unwrap_err();
    assert_eq!(err.detail(), "argument 2 of add must be an integer from -9223372036854775808 to 9223372036854775807, got 'x'");
}

#[test]
fn named_parameters_take_keywords() {
    let mut cx = call(
        vec![Value::from(1)],
        vec![("b", Value::from(2))],
        &["a", "b"],
    );
    assert_eq!(i64::from_request(&mut cx), Ok(1));
    assert_eq!(i64::from_request(&mut cx), Ok(2));
    assert_eq!(cx.finish(), Ok(()));

    let mut cx = call(
        vec![Value::from(1)],
        vec![("a", Value::from(2))],
        &["a", "b"],
    );
    let err = i64::from_request(&mut cx).unwrap_err();
    assert_eq!(err.detail(), "add got multiple values for argument \"a\"");
}

#[test]
fn errors_name_the_problem() {
    let mut cx = call(vec![Value::from("x")], vec![], &["a"]);
    let err = i64::from_request(&mut cx).unwrap_err();
    assert_eq!(err.kind(), crate::RequestErrorKind::BadArgument);
    assert!(err
        .detail()
        .starts_with("argument 1 (a) of add must be an integer"));

    let mut cx = call(vec![], vec![], &[]);
    let err = i64::from_request(&mut cx).unwrap_err();
    assert_eq!(err.detail(), "argument 1 of add is missing");

    let mut cx = call(vec![Value::from(1), Value::from(2)], vec![], &[]);
    i64::from_request(&mut cx).unwrap();
    assert_eq!(
        cx.finish().unwrap_err().detail(),
        "add takes 1 argument but 2 were given"
    );

    let cx = call(vec![], vec![("k", Value::None)], &[]);
    assert_eq!(
        cx.finish().unwrap_err().detail(),
        "add got an unexpected keyword argument \"k\""
    );
}

#[test]
fn long_arguments_are_shortened_in_errors() {
    let mut cx = call(vec![Value::from("x".repeat(10_000))], vec![], &[]);
    let err = i64::from_request(&mut cx).unwrap_err();
    assert!(
        err.detail()
            .ends_with(&format!("got '{}...", "x".repeat(59))),
        "{}",
        err.detail()
    );
    assert!(err.detail().len() < 200);
}

#[test]
fn strings_receive_unquoted_numbers_as_sent() {
    let texts = vec![Some("007".to_string()), Some("1e3".to_string()), None];
    let mut cx = call(
        vec![Value::from(7), Value::Float(1000.0), Value::from(5)],
        vec![],
        &[],
    )
    .texts(texts);
    assert_eq!(String::from_request(&mut cx), Ok("007".to_string()));
    assert_eq!(f64::from_request(&mut cx), Ok(1000.0));
    assert_eq!(String::from_request(&mut cx), Ok("5".to_string()));
    let mut cx = call(vec![Value::from(7)], vec![], &[]).texts(vec![Some("07".into())]);
    assert_eq!(Value::from_request(&mut cx), Ok(Value::from(7)));
    let mut cx = call(vec![Value::from(1), Value::from(2)], vec![], &[])
        .texts(vec![Some("0x1".into()), Some("2".into())]);
    assert_eq!(
        Rest::<String>::from_request(&mut cx),
        Ok(Rest(vec!["0x1".to_string(), "2".to_string()]))
    );
}
