//! scratchattach's CloudStorage kit: database files (Python's `json.dump(indent=4)` format)
//! loaded by `CloudStorage::builder(dir).database(..).open()`, changed with `set`, written
//! with `flush`. Invariants: no panic; what loads keeps its keys in order and their values
//! after a write and a reload (parse of serialise is the identity), and writing again gives
//! the same file text; a file that does not load is refused with an error naming the file.
#![no_main]
use actors_requests::CloudStorage;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("sa_storage_json_{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn snapshot(s: &CloudStorage) -> Vec<(String, String)> {
    let keys = s.keys("db").expect("the database exists");
    keys.into_iter()
        .map(|k| {
            let v = s.get("db", &k).expect("a listed key has a value");
            (k, v)
        })
        .collect()
}

fn open(dir: &PathBuf) -> Result<CloudStorage, actors_requests::RequestError> {
    CloudStorage::builder(dir.clone()).database("db").open()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = dir();
    let file = dir.join("db.json");
    std::fs::write(&file, text).expect("write the input");
    let first = match open(&dir) {
        Ok(s) => s,
        Err(e) => {
            assert!(
                e.to_string().contains("db.json"),
                "error without the file: {e}"
            );
            return;
        }
    };
    let before = snapshot(&first);
    // A change makes it write the file in its own format.
    first.set("db", "fuzz key", "fuzz value").expect("set");
    first.flush().expect("flush");
    drop(first);
    let written = std::fs::read_to_string(&file).expect("written file");
    let second = open(&dir).expect("a written file loads");
    let mut expected = before;
    match expected.iter_mut().find(|(k, _)| k == "fuzz key") {
        Some(slot) => slot.1 = "fuzz value".into(),
        None => expected.push(("fuzz key".into(), "fuzz value".into())),
    }
    assert_eq!(
        snapshot(&second),
        expected,
        "keys or values changed by a write"
    );
    second.set("db", "fuzz key", "fuzz value").expect("set");
    second.flush().expect("flush");
    drop(second);
    let again = std::fs::read_to_string(&file).expect("written file");
    assert_eq!(again, written, "writing what was read changed the file");
});
