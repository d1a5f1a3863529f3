//! Fresh databases for the infrastructure's own tests, on the suite's backend.

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::Database;

/// Where a test database lives, to remove it afterwards.
pub(crate) enum Place {
    Postgres(sea_orm::DatabaseConnection, String),
    Sqlite(std::path::PathBuf),
}

/// A fresh database on the suite's backend: PostgreSQL when `DATABASE_URL` names
/// one, else a SQLite file.
pub(crate) async fn fresh_database() -> (Database, Place) {
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            let name = format!("dh_infra_{}", Uuid::now_v7().simple());
            let admin = sea_orm::Database::connect(url.as_str())
                .await
                .expect("the PostgreSQL server");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("a test database");
            let (server, _) = url.rsplit_once('/').expect("a database in the URL");
            let database = Database::connect(&format!("{server}/{name}"))
                .await
                .expect("open");
            (database, Place::Postgres(admin, name))
        }
        _ => {
            let path = std::env::temp_dir().join(format!("dh-infra-{}.db", Uuid::now_v7()));
            let database = Database::connect(&format!("sqlite://{}?mode=rwc", path.display()))
                .await
                .expect("open");
            (database, Place::Sqlite(path))
        }
    }
}

/// Drops the test database (PostgreSQL) or deletes its file (SQLite).
pub(crate) async fn remove(database: Database, place: Place) {
    drop(database);
    match place {
        Place::Postgres(admin, name) => {
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
        Place::Sqlite(path) => {
            let _ = std::fs::remove_file(&path);
        }
    }
}
