//! Typed argument conversion (`FromRequest`/`FromArg`): arbitrary argument values and keyword
//! arguments, taken by a sequence of parameter types chosen by the input.
//! Invariants: no panic; an integer conversion gives back the same number; an error names
//! the request; `finish` accepts only when every argument was used.
#![no_main]
use actors_requests::{CallArgs, Caller, FromRequest, Kwargs, Rest, Value};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use num_bigint::BigInt;

#[derive(Arbitrary, Debug)]
enum Arg {
    Str(String),
    Int(Vec<u8>, bool),
    Float(f64),
    Bool(bool),
    None,
}

impl Arg {
    fn value(self) -> Value {
        match self {
            Arg::Str(s) => Value::Str(s),
            Arg::Int(bytes, neg) => {
                let n = BigInt::from_signed_bytes_le(&bytes[..bytes.len().min(64)]);
                Value::Int(if neg { -n } else { n })
            }
            Arg::Float(x) => Value::Float(x),
            Arg::Bool(b) => Value::Bool(b),
            Arg::None => Value::None,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    args: Vec<(Arg, Option<String>)>,
    kwargs: Vec<(String, Arg)>,
    names: Vec<String>,
    params: Vec<u8>,
}

fn take<T: FromRequest>(args: &mut CallArgs) -> bool {
    match T::from_request(args) {
        Ok(_) => true,
        Err(e) => {
            assert!(!e.detail().is_empty());
            false
        }
    }
}

fuzz_target!(|input: Input| {
    let (values, texts): (Vec<Value>, Vec<Option<String>>) = input
        .args
        .into_iter()
        .take(8)
        .map(|(a, t)| (a.value(), t))
        .unzip();
    for v in &values {
        let _ = (v.repr(), v.to_string(), v.as_i64(), v.as_f64());
        let as_i64 = <i64 as actors_requests::FromArg>::from_arg(v.clone());
        if let (Some(x), Value::Int(n)) = (as_i64, v) {
            assert_eq!(&BigInt::from(x), n, "i64 conversion changed the number");
        }
        if let Value::Float(x) = v {
            let shown = actors_requests::py_float_repr(*x);
            let back: f64 = shown
                .parse()
                .unwrap_or_else(|_| panic!("{shown:?} is not a float"));
            assert!(
                back == *x || (back.is_nan() && x.is_nan()),
                "{x:?} shown as {shown}"
            );
        }
    }
    let kwargs: Vec<(String, Value)> = input
        .kwargs
        .into_iter()
        .take(4)
        .map(|(k, a)| (k, a.value()))
        .collect();
    let names: Vec<String> = input.names.into_iter().take(4).collect();
    let mut call =
        CallArgs::new(Caller::new("12345", None), "req", values, kwargs, names).texts(texts);
    let mut ok = true;
    for p in input.params.into_iter().take(8) {
        ok &= match p % 14 {
            0 => take::<String>(&mut call),
            1 => take::<i64>(&mut call),
            2 => take::<u8>(&mut call),
            3 => take::<f64>(&mut call),
            4 => take::<f32>(&mut call),
            5 => take::<bool>(&mut call),
            6 => take::<char>(&mut call),
            7 => take::<BigInt>(&mut call),
            8 => take::<Option<i32>>(&mut call),
            9 => take::<Rest<String>>(&mut call),
            10 => take::<Rest<u64>>(&mut call),
            11 => take::<Kwargs>(&mut call),
            12 => take::<Value>(&mut call),
            _ => take::<Caller>(&mut call),
        };
    }
    if let Err(e) = call.finish() {
        assert!(
            e.detail().contains("req"),
            "error does not name the request: {e:?}"
        );
    }
    let _ = ok;
});
