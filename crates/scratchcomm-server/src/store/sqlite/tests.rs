use super::*;
use crate::error::ServerErrorKind;

fn number(text: &str) -> CloudValue {
    CloudValue::from_raw_json(text).unwrap()
}

fn file(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("cloud.db")
}

fn open_err(path: &Path) -> String {
    let err = SqliteStore::open(path).unwrap_err();
    assert_eq!(err.kind(), ServerErrorKind::Store);
    let text = err.to_string();
    assert!(
        text.contains(&format!("{path:?}")),
        "the error names the path: {text}"
    );
    text
}

#[tokio::test]
async fn values_keep_their_type_across_a_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(file(&dir)).unwrap();
    assert!(store.load().await.unwrap().is_empty());
    let mut b = Batch::new();
    b.set("1", "☁ number", &number("1.50"));
    b.set("1", "☁ string", &CloudValue::new("007"));
    b.set("1", "☁ gone", &number("1"));
    b.set("2", "☁ a", &number("-3"));
    store.write(Arc::new(b)).await.unwrap();
    let mut b = Batch::new();
    b.delete("1", "☁ gone");
    b.clear("2");
    b.set("2", "☁ b", &number("4"));
    b.set("3", "☁ a", &CloudValue::new(""));
    store.write(Arc::new(b)).await.unwrap();
    store.close().await.unwrap();
    assert!(store.write(Arc::new(Batch::new())).await.is_err());

    let again = SqliteStore::open(file(&dir)).unwrap();
    let rooms = again.load().await.unwrap();
    let projects: Vec<&str> = rooms.iter().map(|r| r.project.as_str()).collect();
    assert_eq!(projects, ["1", "2", "3"]);
    let one = &rooms[0].variables;
    assert_eq!(one.len(), 2);
    assert_eq!(one["☁ number"].as_str(), "1.50");
    assert!(!one["☁ number"].was_string());
    assert_eq!(one["☁ string"].as_str(), "007");
    assert!(one["☁ string"].was_string());
    let two: Vec<&String> = rooms[1].variables.keys().collect();
    assert_eq!(two, ["☁ b"]);
    assert_eq!(rooms[2].variables["☁ a"], CloudValue::new(""));
}

#[tokio::test]
async fn the_file_is_in_wal_mode_and_locked_while_open() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(file(&dir)).unwrap();
    let text = open_err(&file(&dir));
    assert!(text.contains("in use"), "{text}");
    store.close().await.unwrap();
    let conn = Connection::open(file(&dir)).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(conn);
    SqliteStore::open(file(&dir)).expect("free again after close");
}

#[test]
fn a_directory_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let text = open_err(dir.path());
    assert!(text.contains("directory"), "{text}");
}

#[test]
fn a_missing_folder_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-folder").join("cloud.db");
    let text = open_err(&path);
    assert!(text.contains("cannot open it for writing"), "{text}");
}

#[test]
fn a_file_that_is_not_sqlite_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        file(&dir),
        "this is not a database, just some text\n".repeat(50),
    )
    .unwrap();
    let text = open_err(&file(&dir));
    assert!(text.contains("not an SQLite database"), "{text}");
}

#[test]
fn another_programs_database_or_format_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.db");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE cookies (host TEXT)")
        .unwrap();
    let text = open_err(&other);
    assert!(text.contains("another program"), "{text}");

    let newer = dir.path().join("newer.db");
    Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99")
        .unwrap();
    let text = open_err(&newer);
    assert!(text.contains("version 99"), "{text}");
}

#[tokio::test]
async fn a_value_that_is_not_json_is_skipped_on_load() {
    let dir = tempfile::tempdir().unwrap();
    SqliteStore::open(file(&dir)).unwrap();
    let conn = Connection::open(file(&dir)).unwrap();
    conn.execute_batch(
        "INSERT INTO variables VALUES ('1', '☁ bad', '{oops'), ('1', '☁ good', '5');",
    )
    .unwrap();
    drop(conn);
    let store = SqliteStore::open(file(&dir)).unwrap();
    let rooms = store.load().await.unwrap();
    let names: Vec<&String> = rooms[0].variables.keys().collect();
    assert_eq!(names, ["☁ good"]);
}
