use sea_orm::{ConnectionTrait, Statement};

use super::*;

/// Erased pupils' data must not linger in SQLite's free pages: every pooled
/// connection runs with `secure_delete`.
#[tokio::test]
async fn sqlite_connections_overwrite_what_they_delete() {
    let path = std::env::temp_dir().join(format!("dh-secure-{}.db", uuid::Uuid::now_v7()));
    let database = Database::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("open");
    let conn = database.connection();
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "PRAGMA secure_delete",
        ))
        .await
        .expect("pragma")
        .expect("a row");
    let on: i32 = row.try_get_by_index(0).expect("a number");
    assert_eq!(on, 1);
    drop(database);
    let _ = std::fs::remove_file(&path);
}

/// What a delivery log relies on: a snapshot's second read sees what its first
/// saw, even after another connection committed in between; after it, the commit
/// shows. On PostgreSQL's default isolation this would fail.
#[tokio::test]
async fn a_snapshot_reads_one_moment_whatever_commits_meanwhile() {
    let (database, place) = test_database::fresh_database().await;
    let conn = database.connection();
    let count = "SELECT count(*) FROM snapshot_probe";
    let counted = |row: Option<sea_orm::QueryResult>| -> i64 {
        row.expect("a row").try_get_by_index(0).expect("a count")
    };
    conn.execute_unprepared("CREATE TABLE snapshot_probe (n INTEGER)")
        .await
        .expect("a table");
    conn.execute_unprepared("INSERT INTO snapshot_probe VALUES (1)")
        .await
        .expect("a row");
    let snapshot = begin_snapshot(conn).await.expect("a snapshot");
    let statement = || Statement::from_string(conn.get_database_backend(), count);
    assert_eq!(
        counted(snapshot.query_one_raw(statement()).await.expect("read")),
        1
    );
    conn.execute_unprepared("INSERT INTO snapshot_probe VALUES (2)")
        .await
        .expect("a write beside the snapshot");
    assert_eq!(
        counted(snapshot.query_one_raw(statement()).await.expect("read")),
        1,
        "the snapshot saw a commit made after its first read"
    );
    let written = snapshot
        .execute_unprepared("INSERT INTO snapshot_probe VALUES (3)")
        .await;
    if conn.get_database_backend() == DbBackend::Postgres {
        assert!(written.is_err(), "a snapshot is read-only: {written:?}");
    }
    drop(snapshot);
    assert_eq!(
        counted(conn.query_one_raw(statement()).await.expect("read")),
        2
    );
    test_database::remove(database, place).await;
}

#[test]
fn coded_lists_read_back_as_written() {
    for codes in [
        vec![],
        vec!["C"],
        vec!["nl_vmbo_kb", "be_aso"],
        vec!["7", "8", "9"],
    ] {
        let stored = encode_codes(codes.iter().copied());
        assert_eq!(decode_codes(&stored).collect::<Vec<_>>(), codes, "{stored}");
    }
    // Stray separators (hand-edited rows) yield no empty codes.
    assert_eq!(decode_codes("||a|||b|").collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(decode_codes("a|b").collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(decode_codes("|").count(), 0);
}
