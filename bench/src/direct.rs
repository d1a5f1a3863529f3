//! The "DB direct" side: the scenario's statement sent straight to the database over
//! sqlx, on one connection per client held for the whole run. No pool: sqlx's pool
//! tests every connection it takes back with one more round trip, which the server's
//! hot reads no longer pay either (`infra/src/db/reads.rs`), so a pooled baseline would
//! flatter the API.

use std::sync::Arc;

use anyhow::Result;
use sea_orm::{Statement, Values};
use sea_query_sqlx::SqlxValues;
use sqlx::{AssertSqlSafe, Connection, PgConnection, SqliteConnection};

use crate::{Args, Measurement, drive_with};

/// One client's connection.
enum Direct {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl Direct {
    async fn open(url: &str) -> Result<Self> {
        Ok(if url.starts_with("sqlite:") {
            Self::Sqlite(SqliteConnection::connect(url).await?)
        } else {
            Self::Postgres(PgConnection::connect(url).await?)
        })
    }

    /// The number of rows `statement` returns.
    async fn rows(&mut self, statement: &Statement) -> Result<usize> {
        let values = SqlxValues(statement.values.clone().unwrap_or(Values(Vec::new())));
        let sql = AssertSqlSafe(statement.sql.clone());
        Ok(match self {
            Self::Postgres(c) => sqlx::query_with(sql, values).fetch_all(c).await?.len(),
            Self::Sqlite(c) => sqlx::query_with(sql, values).fetch_all(c).await?.len(),
        })
    }
}

/// Runs the statement `statement` makes for a random number from every client until
/// the run is up; a call counts when it returns as many rows as `rows` allows.
pub(crate) async fn drive_direct<S, R>(
    args: &Args,
    database_url: &str,
    statement: S,
    rows: R,
) -> Measurement
where
    S: Fn(u64) -> Statement + Send + Sync + 'static,
    R: Fn(usize) -> bool + Send + Sync + 'static,
{
    drive_direct_many(
        args,
        database_url,
        move |random| vec![statement(random)],
        rows,
    )
    .await
}

/// [`drive_direct`] for a call made of several statements, one after another on the
/// client's connection; `rows` judges the sum of their rows.
pub(crate) async fn drive_direct_many<S, R>(
    args: &Args,
    database_url: &str,
    statements: S,
    rows: R,
) -> Measurement
where
    S: Fn(u64) -> Vec<Statement> + Send + Sync + 'static,
    R: Fn(usize) -> bool + Send + Sync + 'static,
{
    let shared = Arc::new((database_url.to_owned(), statements, rows));
    drive_with(
        args,
        || None,
        move |connection: Option<Direct>, random| {
            let shared = shared.clone();
            async move {
                let (url, statements, rows) = &*shared;
                let mut connection = match connection {
                    Some(connection) => connection,
                    None => match Direct::open(url).await {
                        Ok(connection) => connection,
                        Err(_) => return (None, false),
                    },
                };
                let mut total = 0;
                for statement in statements(random) {
                    match connection.rows(&statement).await {
                        Ok(n) => total += n,
                        Err(_) => return (None, false),
                    }
                }
                (Some(connection), rows(total))
            }
        },
    )
    .await
}
