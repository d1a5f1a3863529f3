//! The read pool: connections of their own for the hot reads, lent one query at a
//! time and taken back without the round trip sqlx's pool spends on each return. A
//! `Select` runs on it with [`OnReadPool`]; its rows are read by column name into the
//! entities' models with sqlx's `FromRow`. (sea-orm's own reader, `FromQueryResult`,
//! costs more: it builds and drops an error for every NULL of an optional column, and
//! a page of 50 schools cost the server 0.39 ms of CPU through it against 0.27 ms
//! through sqlx's; bench/RESULTS.md.)
//!
//! sqlx's pool tests every connection as it comes back, whatever happened to it: on
//! PostgreSQL a `Sync` and its `ReadyForQuery`, one more round trip (and, over TLS,
//! one more record each way) for every query; on SQLite one more call across to the
//! connection's thread. strace of the server under `get_school` on PostgreSQL showed
//! it on every request, and with it gone PostgreSQL's CPU per request fell from
//! 0.079 to 0.049 ms and the server's from 0.100 to 0.068 ms (bench/RESULTS.md).
//!
//! The test on release is there for connections a cancelled query left half-way. Here
//! a connection goes back only when its query finished (with rows or with the
//! database's own error, after which the driver still reads to the end of the reply,
//! unless the error ends the session); one whose query was dropped half-way, or that
//! failed in any other way, is closed instead. A read that fails because a connection
//! which had been idle turns out dead (the server restarted) is tried once more on a
//! new connection. Otherwise the pool keeps sqlx's rules, with the main pool's
//! settings: at most as many connections as it, a connection idle for a while is
//! pinged before use, idle ones are closed after a while and all are retired by age.
//! The connections are made with the main pool's own options (SQLite's pragmas
//! included).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sea_orm::sea_query::{PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder};
use sea_orm::{
    ColumnTrait, ConnAcquireErr, DatabaseConnection, DatabaseConnectionType, DbErr, EntityTrait,
    QueryFilter, QuerySelect, QueryTrait, RuntimeErr, Select,
};
use sea_query_sqlx::SqlxBinder;
use sqlx::FromRow;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Connection, Database, Postgres, SqlSafeStr, SqlStr, Sqlite};
use tokio::sync::{Semaphore, SemaphorePermit};
use uuid::Uuid;

use super::PoolSettings;
use super::versioned::TenantTable;

/// The read pool of one database, for its backend.
#[derive(Clone)]
pub(crate) enum ReadPool {
    Postgres(Arc<Pool<Postgres>>),
    Sqlite(Arc<Pool<Sqlite>>),
}

impl ReadPool {
    /// A read pool beside `db`'s own, connecting as it does, with at most
    /// `max_connections` (by default as many as `db`'s pool).
    pub(crate) fn beside(
        db: &DatabaseConnection,
        max_connections: Option<u32>,
        settings: PoolSettings,
    ) -> Result<Self, DbErr> {
        match &db.inner {
            DatabaseConnectionType::SqlxPostgresPoolConnection(_) => {
                let pool = db.get_postgres_connection_pool();
                Ok(Self::Postgres(Pool::start(
                    pool.connect_options(),
                    max_connections.unwrap_or(pool.options().get_max_connections()),
                    settings,
                )))
            }
            DatabaseConnectionType::SqlxSqlitePoolConnection(_) => {
                let pool = db.get_sqlite_connection_pool();
                Ok(Self::Sqlite(Pool::start(
                    pool.connect_options(),
                    max_connections.unwrap_or(pool.options().get_max_connections()),
                    settings,
                )))
            }
            _ => Err(DbErr::Conn(RuntimeErr::Internal(
                "not connected to PostgreSQL or SQLite".to_owned(),
            ))),
        }
    }

    /// Connections open and how many of them are idle, for `/metrics`.
    pub(crate) fn stats(&self) -> (u32, u32) {
        match self {
            Self::Postgres(pool) => pool.stats(),
            Self::Sqlite(pool) => pool.stats(),
        }
    }

    /// How many connections may be open at once.
    pub(crate) fn max_connections(&self) -> u32 {
        match self {
            Self::Postgres(pool) => pool.max,
            Self::Sqlite(pool) => pool.max,
        }
    }
}

/// A row read by column name on either backend: an entity's model.
pub(crate) trait ReadRow:
    for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow> + Send + Sync + Unpin
{
}

impl<T> ReadRow for T where
    T: for<'r> FromRow<'r, PgRow> + for<'r> FromRow<'r, SqliteRow> + Send + Sync + Unpin
{
}

/// `one` and `all` of a query, run on the read pool and read into `M` by name (an
/// entity's model, usually).
pub(crate) trait OnReadPool<M> {
    fn one_on(self, pool: &ReadPool) -> impl Future<Output = Result<Option<M>, DbErr>> + Send;
    fn all_on(self, pool: &ReadPool) -> impl Future<Output = Result<Vec<M>, DbErr>> + Send;
}

impl<E, M> OnReadPool<M> for Select<E>
where
    E: EntityTrait,
    M: ReadRow,
{
    async fn one_on(self, pool: &ReadPool) -> Result<Option<M>, DbErr> {
        Ok(self.limit(1).all_on(pool).await?.into_iter().next())
    }

    async fn all_on(self, pool: &ReadPool) -> Result<Vec<M>, DbErr> {
        rows_on(pool, &self.into_query()).await
    }
}

/// The rows of any `SELECT` on the read pool, read into `M` by column name.
pub(crate) async fn rows_on<M: ReadRow>(
    pool: &ReadPool,
    query: &SelectStatement,
) -> Result<Vec<M>, DbErr> {
    match pool {
        ReadPool::Postgres(pool) => {
            let (sql, values) = query.build_sqlx(PostgresQueryBuilder);
            read_models(&pool.fetch_all(sql, values).await?)
        }
        ReadPool::Sqlite(pool) => {
            let (sql, values) = query.build_sqlx(SqliteQueryBuilder);
            read_models(&pool.fetch_all(sql, values).await?)
        }
    }
}

/// The rows of any `SELECT` on the read pool, each read into `M` by column name and
/// given to `each` as the driver reads it: the rows are never all held at once.
pub(crate) async fn each_row_on<M: ReadRow>(
    pool: &ReadPool,
    query: &SelectStatement,
    mut each: impl FnMut(M) + Send,
) -> Result<(), DbErr> {
    let mut bad: Option<sqlx::Error> = None;
    let mut read = |row: Result<M, sqlx::Error>| match row {
        Ok(model) if bad.is_none() => each(model),
        Ok(_) => {}
        Err(error) => {
            bad.get_or_insert(error);
        }
    };
    match pool {
        ReadPool::Postgres(pool) => {
            let (sql, values) = query.build_sqlx(PostgresQueryBuilder);
            pool.for_each_row(sql, values, &mut |row| read(M::from_row(row)))
                .await?;
        }
        ReadPool::Sqlite(pool) => {
            let (sql, values) = query.build_sqlx(SqliteQueryBuilder);
            pool.for_each_row(sql, values, &mut |row| read(M::from_row(row)))
                .await?;
        }
    }
    bad.map_or(Ok(()), |e| {
        Err(DbErr::Query(RuntimeErr::SqlxError(e.into())))
    })
}

/// The driver's rows as `M`s, each read by column name.
fn read_models<R: sqlx::Row, M: for<'r> FromRow<'r, R>>(rows: &[R]) -> Result<Vec<M>, DbErr> {
    rows.iter()
        .map(|row| M::from_row(row).map_err(|e| DbErr::Query(RuntimeErr::SqlxError(e.into()))))
        .collect()
}

/// The row of a tenant table with the key `(tenant, id)`, on the read pool.
pub(crate) async fn one_by_key<E, M>(
    pool: &ReadPool,
    tenant: Uuid,
    id: Uuid,
) -> Result<Option<M>, DbErr>
where
    E: TenantTable,
    M: ReadRow,
{
    E::scoped(tenant)
        .filter(E::id_column().eq(id))
        .one_on(pool)
        .await
}

/// Connections to one database, lent one at a time to a query.
pub(crate) struct Pool<DB: Database> {
    connect: Arc<<DB::Connection as Connection>::Options>,
    settings: PoolSettings,
    /// Idle connections, the most recently used last (lent first, so the least used
    /// ones age out).
    idle: Mutex<Vec<Idle<DB::Connection>>>,
    /// One permit per connection that may be open.
    permits: Semaphore,
    /// How many connections may be open at once.
    max: u32,
    open: AtomicU32,
}

struct Idle<C> {
    connection: C,
    opened: Instant,
    since: Instant,
}

impl<DB: Database> Pool<DB> {
    /// A pool with no connection yet, and a task that closes connections idle or old
    /// beyond the settings' limits until the pool is dropped.
    fn start(
        connect: Arc<<DB::Connection as Connection>::Options>,
        max_connections: u32,
        settings: PoolSettings,
    ) -> Arc<Self> {
        let pool = Arc::new(Self {
            connect,
            settings,
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(usize::try_from(max_connections).unwrap_or(1).max(1)),
            max: max_connections.max(1),
            open: AtomicU32::new(0),
        });
        let weak = Arc::downgrade(&pool);
        let every = settings
            .idle_timeout
            .clamp(Duration::from_millis(10), Duration::from_secs(60));
        tokio::spawn(reap(weak, every));
        pool
    }

    fn stats(&self) -> (u32, u32) {
        let idle = self.idle_list().len();
        (
            self.open.load(Ordering::Relaxed),
            u32::try_from(idle).unwrap_or(u32::MAX),
        )
    }

    fn idle_list(&self) -> std::sync::MutexGuard<'_, Vec<Idle<DB::Connection>>> {
        // The list stays consistent whatever panicked while holding it.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A connection for one query: an idle one (pinged first when it has been idle
    /// a while) or a new one, waiting at most the acquire timeout for a free slot.
    async fn lend(&self) -> Result<Lent<'_, DB>, DbErr> {
        let permit =
            match tokio::time::timeout(self.settings.acquire_timeout, self.permits.acquire()).await
            {
                Ok(Ok(permit)) => permit,
                Ok(Err(_)) => {
                    return Err(DbErr::ConnectionAcquire(ConnAcquireErr::ConnectionClosed));
                }
                Err(_) => return Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
            };
        loop {
            let Some(idle) = self.idle_list().pop() else {
                break;
            };
            if self.expired(&idle) {
                self.close(idle.connection);
                continue;
            }
            let mut connection = idle.connection;
            if idle.since.elapsed() >= self.settings.ping_if_idle_for
                && connection.ping().await.is_err()
            {
                self.forget_one();
                continue;
            }
            return Ok(Lent {
                pool: self,
                connection: Some(connection),
                opened: idle.opened,
                reused: true,
                _permit: permit,
            });
        }
        Ok(Lent {
            pool: self,
            connection: Some(self.connect().await?),
            opened: Instant::now(),
            reused: false,
            _permit: permit,
        })
    }

    /// A new connection, counted as open.
    async fn connect(&self) -> Result<DB::Connection, DbErr> {
        let connection = match tokio::time::timeout(
            self.settings.connect_timeout,
            DB::Connection::connect_with(&self.connect),
        )
        .await
        {
            Ok(Ok(connection)) => connection,
            Ok(Err(error)) => return Err(DbErr::Conn(RuntimeErr::SqlxError(error.into()))),
            Err(_) => return Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)),
        };
        self.open.fetch_add(1, Ordering::Relaxed);
        Ok(connection)
    }

    /// The rows of `sql` with `values` bound, on a lent connection. A connection that
    /// had been idle and turns out lost (the server restarted, or something between
    /// cut it off) is closed and the read is tried once more on a new one: a read is
    /// safe to repeat.
    pub(crate) async fn fetch_all<A>(&self, sql: String, values: A) -> Result<Vec<DB::Row>, DbErr>
    where
        A: sqlx::IntoArguments<DB> + Clone,
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    {
        let sql = AssertSqlSafe(sql).into_sql_str();
        let mut lent = self.lend().await?;
        if lent.reused {
            let outcome = lent.fetch_all(sql.clone(), values.clone()).await;
            if !outcome.as_ref().is_err_and(connection_lost) {
                lent.give_back(&outcome);
                return outcome.map_err(read_error);
            }
            lent = lent.reconnect().await?;
        }
        let outcome = lent.fetch_all(sql, values).await;
        lent.give_back(&outcome);
        outcome.map_err(read_error)
    }

    /// The rows of `sql` with `values` bound, each given to `each` as the driver reads
    /// it and then dropped; retried as [`Self::fetch_all`] is when the lost connection
    /// shows before the first row (after one, `each` has seen rows: the error is the
    /// caller's).
    pub(crate) async fn for_each_row<A>(
        &self,
        sql: String,
        values: A,
        each: &mut (dyn FnMut(&DB::Row) + Send),
    ) -> Result<(), DbErr>
    where
        A: sqlx::IntoArguments<DB> + Clone,
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    {
        let sql = AssertSqlSafe(sql).into_sql_str();
        let mut lent = self.lend().await?;
        if lent.reused {
            let (outcome, read_any) = lent.for_each_row(sql.clone(), values.clone(), each).await;
            if read_any || !outcome.as_ref().is_err_and(connection_lost) {
                lent.give_back(&outcome);
                return outcome.map_err(read_error);
            }
            lent = lent.reconnect().await?;
        }
        let (outcome, _) = lent.for_each_row(sql, values, each).await;
        lent.give_back(&outcome);
        outcome.map_err(read_error)
    }

    /// Counts one connection fewer open (closed, or dropped with its socket).
    fn forget_one(&self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }

    fn expired(&self, idle: &Idle<DB::Connection>) -> bool {
        idle.opened.elapsed() >= self.settings.max_lifetime
            || idle.since.elapsed() >= self.settings.idle_timeout
    }

    /// Closes `connection` politely, in the background.
    fn close(&self, connection: DB::Connection) {
        self.forget_one();
        tokio::spawn(async move {
            let _ = connection.close().await;
        });
    }
}

/// Whether a connection can serve another query after one that ended in `outcome`:
/// after rows, or after the database's own error unless that error ends the session.
fn reusable<T>(outcome: &Result<T, sqlx::Error>) -> bool {
    match outcome {
        Ok(_) => true,
        Err(error) => matches!(error, sqlx::Error::Database(_)) && !connection_lost(error),
    }
}

/// Whether `error` means the connection is gone: the socket failed, SQLite's thread
/// stopped, or PostgreSQL ended the session with an error of class 08 (connection
/// exception) or 57 (operator intervention: the server shutting down, a backend
/// terminated), which it sends before it closes the connection.
pub(super) fn connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::PoolClosed => true,
        sqlx::Error::Database(error) => error
            .code()
            .is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
        _ => false,
    }
}

/// A failed read as sea-orm reports it: a lost connection as one (an outage, answered
/// 503), anything else as a failed query.
fn read_error(error: sqlx::Error) -> DbErr {
    if connection_lost(&error) {
        DbErr::Conn(RuntimeErr::SqlxError(error.into()))
    } else {
        DbErr::Query(RuntimeErr::SqlxError(error.into()))
    }
}

/// Every `every`, closes the pool's expired idle connections; ends with the pool.
async fn reap<DB: Database>(pool: Weak<Pool<DB>>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let Some(pool) = pool.upgrade() else {
            return;
        };
        let expired: Vec<Idle<DB::Connection>> = {
            let mut idle = pool.idle_list();
            let (expired, kept) = std::mem::take(&mut *idle)
                .into_iter()
                .partition(|i| pool.expired(i));
            *idle = kept;
            expired
        };
        for idle in expired {
            pool.close(idle.connection);
        }
    }
}

/// A connection lent for one query. [`Lent::give_back`] returns it to the pool once the
/// query has finished; dropped without that (the query's future cancelled half-way),
/// it is closed.
struct Lent<'p, DB: Database> {
    pool: &'p Pool<DB>,
    connection: Option<DB::Connection>,
    opened: Instant,
    /// Whether the connection had been used and idle before (rather than new).
    reused: bool,
    _permit: SemaphorePermit<'p>,
}

impl<'p, DB: Database> Lent<'p, DB> {
    async fn fetch_all<A>(&mut self, sql: SqlStr, values: A) -> Result<Vec<DB::Row>, sqlx::Error>
    where
        A: sqlx::IntoArguments<DB>,
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    {
        let Some(connection) = self.connection.as_mut() else {
            return Err(sqlx::Error::PoolClosed);
        };
        sqlx::query_with(sql, values).fetch_all(connection).await
    }

    /// The rows of `sql`, each given to `each` as it comes; the outcome, and whether
    /// any row came. The rows are read to the end of the reply (or to the error that
    /// ends it), so the connection is left with no reply half-read.
    async fn for_each_row<A>(
        &mut self,
        sql: SqlStr,
        values: A,
        each: &mut (dyn FnMut(&DB::Row) + Send),
    ) -> (Result<(), sqlx::Error>, bool)
    where
        A: sqlx::IntoArguments<DB>,
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    {
        let Some(connection) = self.connection.as_mut() else {
            return (Err(sqlx::Error::PoolClosed), false);
        };
        let mut rows = sqlx::query_with(sql, values).fetch(connection);
        let mut read_any = false;
        while let Some(row) = rows.next().await {
            match row {
                Ok(row) => {
                    read_any = true;
                    each(&row);
                }
                Err(error) => return (Err(error), read_any),
            }
        }
        (Ok(()), read_any)
    }

    /// This lending on a new connection instead, the old one closed.
    async fn reconnect(mut self) -> Result<Self, DbErr> {
        if self.connection.take().is_some() {
            self.pool.forget_one();
        }
        self.connection = Some(self.pool.connect().await?);
        self.opened = Instant::now();
        self.reused = false;
        Ok(self)
    }

    /// Back to the pool after a query that finished with `outcome`: kept after rows or
    /// the database's own error, closed after any other (the connection's state is
    /// then unknown).
    fn give_back<T>(mut self, outcome: &Result<T, sqlx::Error>) {
        if let Some(connection) = self.connection.take() {
            if reusable(outcome) {
                self.pool.idle_list().push(Idle {
                    connection,
                    opened: self.opened,
                    since: Instant::now(),
                });
            } else {
                self.pool.forget_one();
            }
        }
    }
}

impl<DB: Database> Drop for Lent<'_, DB> {
    fn drop(&mut self) {
        if self.connection.take().is_some() {
            self.pool.forget_one();
        }
    }
}

#[cfg(test)]
mod tests;
