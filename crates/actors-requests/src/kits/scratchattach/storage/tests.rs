use super::*;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sa-storage-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn files_load_write_and_flush_within_the_delay() {
    let dir = temp_dir("flush");
    std::fs::write(dir.join("old.json"), "{\"b\": \"2\", \"a\": 1}").unwrap();
    let storage = CloudStorage::builder(&dir)
        .database("old")
        .database("new")
        .flush_delay(Duration::from_millis(20))
        .open()
        .unwrap();
    // A missing file is created as `{}` at once.
    assert_eq!(std::fs::read_to_string(dir.join("new.json")).unwrap(), "{}");
    assert_eq!(storage.keys("old").unwrap(), ["b", "a"]);
    assert_eq!(storage.get("old", "a").as_deref(), Some("1"));
    storage.set("new", "k", "v").unwrap();
    let mut written = String::new();
    for _ in 0..500 {
        written = std::fs::read_to_string(dir.join("new.json")).unwrap();
        if written != "{}" {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(written, "{\n    \"k\": \"v\"\n}");
    assert!(storage.set("nodb", "k", "v").is_err());
    // Drop writes what is left.
    storage.set("old", "a", "x").unwrap();
    drop(storage);
    let old = std::fs::read_to_string(dir.join("old.json")).unwrap();
    assert_eq!(old, "{\n    \"b\": \"2\",\n    \"a\": \"x\"\n}");
    assert!(!dir.join(".old.json.tmp").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_files_and_names_are_errors() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("list.json"), "[1, 2]").unwrap();
    let e = CloudStorage::builder(&dir)
        .database("list")
        .open()
        .unwrap_err();
    assert_eq!(e.kind(), RequestErrorKind::Storage);
    assert!(e.detail().contains("list.json"), "{e}");
    let e = CloudStorage::builder(&dir)
        .database("../x")
        .open()
        .unwrap_err();
    assert_eq!(e.kind(), RequestErrorKind::InvalidName);
    let _ = std::fs::remove_dir_all(&dir);
}
