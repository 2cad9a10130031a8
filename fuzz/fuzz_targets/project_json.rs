//! Initial cloud values from a project JSON (`scratchcomm_accounts::cloud_variables`,
//! `project_token`). Invariants: no panic on any bytes, errors name the URL; on a project
//! built from the input (targets with variables, some cloud-flagged, with extra elements
//! and non-variable junk), the values found are exactly the cloud-flagged ones with their
//! names and value texts.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use scratchcomm_accounts::{cloud_variables, project_token};
use serde_json::{json, Map, Value};

const URL: &str = "https://projects.example/123";

#[derive(Arbitrary, Debug)]
enum Val {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

#[derive(Arbitrary, Debug)]
struct Var {
    name: String,
    value: Val,
    /// 0: no flag, 1: `true`, 2: `false`, 3: a non-bool flag.
    flag: u8,
    extra: bool,
}

#[derive(Arbitrary, Debug)]
struct Target {
    vars: Vec<Var>,
    no_variables: bool,
}

#[derive(Arbitrary, Debug)]
enum Input {
    Raw(Vec<u8>),
    Project(Vec<Target>),
}

fuzz_target!(|input: Input| {
    match input {
        Input::Raw(bytes) => {
            if let Err(e) = cloud_variables(URL, &bytes) {
                assert!(e.to_string().contains(URL), "error without the URL: {e}");
            }
            if let Err(e) = project_token(URL, &bytes) {
                assert!(e.to_string().contains(URL), "error without the URL: {e}");
            }
        }
        Input::Project(targets) => {
            let mut expected = Vec::new();
            let mut json_targets = Vec::new();
            for (t, target) in targets.iter().enumerate() {
                let mut vars = Map::new();
                for (v, var) in target.vars.iter().enumerate() {
                    let value = match &var.value {
                        Val::Text(s) => json!(s),
                        Val::Int(i) => json!(i),
                        Val::Float(f) if f.is_finite() => json!(f),
                        Val::Float(_) => json!(0),
                        Val::Bool(b) => json!(b),
                    };
                    let mut entry = vec![json!(var.name), value.clone()];
                    let cloud = var.flag % 4 == 1;
                    match var.flag % 4 {
                        1 => entry.push(json!(true)),
                        2 => entry.push(json!(false)),
                        3 => entry.push(json!("true")),
                        _ => {}
                    }
                    if var.extra && var.flag % 4 != 0 {
                        entry.push(json!(null));
                    }
                    if cloud {
                        let text = match &value {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        expected.push((format!("{t}/{v:05}"), var.name.clone(), text));
                    }
                    vars.insert(format!("{t}/{v:05}"), Value::Array(entry));
                }
                let mut obj = json!({"isStage": t == 0, "name": format!("t{t}")});
                if !target.no_variables {
                    obj["variables"] = Value::Object(vars);
                } else {
                    expected.retain(|(id, _, _)| !id.starts_with(&format!("{t}/")));
                }
                json_targets.push(obj);
            }
            let body = serde_json::to_vec(&json!({"targets": json_targets, "meta": {}}))
                .expect("serialise");
            let got = cloud_variables(URL, &body).expect("a well-formed project loads");
            let mut got: Vec<(String, String)> = got
                .into_iter()
                .map(|(n, v)| (n, v.as_str().to_owned()))
                .collect();
            let mut want: Vec<(String, String)> =
                expected.into_iter().map(|(_, n, v)| (n, v)).collect();
            got.sort();
            want.sort();
            assert_eq!(got, want, "not exactly the cloud-flagged variables");
        }
    }
});
