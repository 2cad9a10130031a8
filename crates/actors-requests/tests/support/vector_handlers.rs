//! The handlers `requests.json` was generated with (its `handlers` field), in Rust.

#![allow(dead_code)]

use actors_requests::py_repr_str;
use actors_requests::{ErrorMessage, Failure, Kwargs, Registry, Rest, Value};

pub fn tuple_repr(args: &[Value]) -> String {
    match args {
        [] => "()".into(),
        [one] => format!("({},)", one.repr()),
        many => format!(
            "({})",
            many.iter().map(Value::repr).collect::<Vec<_>>().join(", ")
        ),
    }
}

pub fn dict_repr(kwargs: &[(String, Value)]) -> String {
    let items: Vec<String> = kwargs
        .iter()
        .map(|(k, v)| format!("{}: {}", py_repr_str(k), v.repr()))
        .collect();
    format!("{{{}}}", items.join(", "))
}

/// Python's `a + b` for the values a request can carry.
pub fn py_add(a: Value, b: Value) -> Result<Value, Failure> {
    Ok(match (a, b) {
        (Value::Int(x), Value::Int(y)) => Value::Int(x + y),
        (Value::Str(x), Value::Str(y)) => Value::Str(x + &y),
        (x, y) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => Value::Float(x + y),
            _ => return Err(Failure::new("TypeError: unsupported operand types for +")),
        },
    })
}

/// The handlers the vectors were generated with (their `handlers` field).
pub fn registry() -> Registry {
    let mut r = Registry::new();
    r.request("echo", |args: Rest<Value>, kwargs: Kwargs| {
        format!(
            "args={} kwargs={}",
            tuple_repr(&args.0),
            dict_repr(&kwargs.0)
        )
    });
    r.request("add", py_add).params(["a", "b"]);
    r.request("ping", || "pong");
    r.request("fail", || -> Result<String, Failure> {
        Err(Failure::new("RuntimeError"))
    });
    r.request("err", || -> Result<String, ErrorMessage> {
        Err(ErrorMessage::from_parts(["custom", "error text"]))
    });
    r.request("nopy", |x: Value| x).allow_python_syntax(false);
    r.request("a", |args: Rest<Value>| format!("a{}", tuple_repr(&args.0)));
    r.request("test", |args: Rest<Value>| {
        format!("test{}", tuple_repr(&args.0))
    });
    r
}

/// Replies of the lenient mode where it accepts what the reference rejects.
pub fn lenient_reply(message: &str) -> Option<&'static str> {
    Some(match message {
        "echo -5" => "args=(-5,) kwargs={}",
        "echo 1e5" => "args=(100000.0,) kwargs={}",
        "echo  5" => "args=(5,) kwargs={}",
        "echo \"a;b\"" => "args=('a;b',) kwargs={}",
        "echo 0x1A" => "args=(26,) kwargs={}",
        "echo Infinity" => "args=(inf,) kwargs={}",
        "a5" => "a(5,)",
        "a56" => "a(5, 6)",
        _ => return None,
    })
}
