use std::time::Duration;

use sqlx::postgres::PgArguments;
use sqlx::sqlite::SqliteArguments;

use super::*;
use crate::db::test_database::{fresh_database, remove};
use crate::db::{Database, POOL_SETTINGS};

/// A read pool of at most `max` connections beside `database`'s.
fn pool(database: &Database, max: u32, settings: PoolSettings) -> ReadPool {
    ReadPool::beside(database.connection(), Some(max), settings).expect("a read pool")
}

/// The number of rows `sql` returns, on a connection of `reads`.
async fn rows(reads: &ReadPool, sql: &str) -> Result<usize, DbErr> {
    match reads {
        ReadPool::Postgres(pool) => pool
            .fetch_all(sql.to_owned(), PgArguments::default())
            .await
            .map(|rows| rows.len()),
        ReadPool::Sqlite(pool) => pool
            .fetch_all(sql.to_owned(), SqliteArguments::default())
            .await
            .map(|rows| rows.len()),
    }
}

/// The number of rows `sql` returns, read as they come.
async fn streamed(reads: &ReadPool, sql: &str) -> Result<usize, DbErr> {
    let mut n = 0;
    match reads {
        ReadPool::Postgres(pool) => {
            pool.for_each_row(sql.to_owned(), PgArguments::default(), &mut |_| n += 1)
                .await?;
        }
        ReadPool::Sqlite(pool) => {
            pool.for_each_row(sql.to_owned(), SqliteArguments::default(), &mut |_| n += 1)
                .await?;
        }
    }
    Ok(n)
}

/// PostgreSQL ends every other session on the database (the pool's connections).
async fn cut_off(database: &Database) {
    use sea_orm::ConnectionTrait;
    database
        .connection()
        .execute_unprepared(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .await
        .expect("the server cuts the pool's connection off");
    tokio::time::sleep(Duration::from_millis(200)).await;
}

/// A query that runs for seconds on either backend.
fn slow(reads: &ReadPool) -> &'static str {
    match reads {
        ReadPool::Postgres(_) => "SELECT pg_sleep(5)",
        ReadPool::Sqlite(_) => {
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000000) SELECT count(*) FROM c"
        }
    }
}

/// Models read on the read pool are what sea-orm reads on its own connection,
/// NULLs and timestamps to the microsecond included; a key of another tenant finds
/// nothing.
#[tokio::test]
async fn models_read_on_the_read_pool_are_the_models_sea_orm_reads() {
    use crate::db::entities::{schools, tenants};
    use sea_orm::{ActiveModelTrait, IntoActiveModel, QueryOrder};

    let (database, place) = fresh_database().await;
    database.migrate().await.expect("migrate");
    let db = database.connection();
    let tenant = Uuid::now_v7();
    let at: chrono::DateTime<chrono::Utc> = "1999-12-31T23:59:59.999999Z".parse().expect("a time");
    tenants::Model {
        id: tenant,
        slug: "rotterdam".to_owned(),
        name: "Rotterdam".to_owned(),
        country: "NL".to_owned(),
        locale: "nl-NL".to_owned(),
        timezone: "Europe/Amsterdam".to_owned(),
        status: "active".to_owned(),
        rate_limit_per_minute: None,
        small_cell_threshold: 5,
        coach_screening: "required".to_owned(),
        consent_age: 16,
        allowed_origins: String::new(),
        version: 1,
        created_at: at,
        updated_at: at,
    }
    .into_active_model()
    .insert(db)
    .await
    .expect("a tenant");
    for (name, filled) in [("Empty", false), ("Full", true)] {
        let text = |v: &str| filled.then(|| v.to_owned());
        schools::Model {
            tenant_id: tenant,
            id: Uuid::now_v7(),
            version: 3,
            created_at: at,
            updated_at: at,
            name: name.to_owned(),
            kind: "secondary".to_owned(),
            registration_code: text("01AB"),
            education_levels: "|nl_vmbo_kb|".to_owned(),
            address_street: text("Coolsingel 40"),
            address_postal_code: text("3011 AD"),
            address_city: text("Rotterdam"),
            contact_email: text("info@example.org"),
            website: text("https://example.org/"),
        }
        .into_active_model()
        .insert(db)
        .await
        .expect("a school");
    }
    let reads = database.reads().clone();
    let query = schools::Entity::find().order_by_asc(schools::Column::Id);
    let by_sea_orm = query.clone().all(db).await.expect("on sea-orm's pool");
    let on_read_pool: Vec<schools::Model> = query.all_on(&reads).await.expect("read pool");
    assert_eq!(on_read_pool, by_sea_orm);
    assert_eq!(on_read_pool[0].website, None);
    assert_eq!(on_read_pool[1].created_at, at);
    let full = by_sea_orm[1].id;
    let mine: Option<schools::Model> = one_by_key::<schools::Entity, _>(&reads, tenant, full)
        .await
        .expect("by key");
    assert_eq!(mine.as_ref(), by_sea_orm.get(1));
    let theirs: Option<schools::Model> =
        one_by_key::<schools::Entity, _>(&reads, Uuid::now_v7(), full)
            .await
            .expect("by key");
    assert_eq!(theirs, None);
    remove(database, place).await;
}

#[tokio::test]
async fn a_connection_is_lent_again_after_rows_and_after_the_databases_own_error() {
    let (database, place) = fresh_database().await;
    let reads = pool(&database, 4, POOL_SETTINGS);
    assert_eq!(
        reads.stats(),
        (0, 0),
        "no connection before the first query"
    );
    assert_eq!(rows(&reads, "SELECT 1").await.expect("a row"), 1);
    assert_eq!(rows(&reads, "SELECT 2").await.expect("a row"), 1);
    assert_eq!(
        reads.stats(),
        (1, 1),
        "one connection, lent twice, idle again"
    );
    let missing = rows(&reads, "SELECT * FROM no_such_table").await;
    assert!(matches!(missing, Err(DbErr::Query(_))), "{missing:?}");
    assert_eq!(reads.stats(), (1, 1), "kept after the database's error");
    assert_eq!(
        rows(&reads, "SELECT 3")
            .await
            .expect("the kept connection reads"),
        1
    );
    assert_eq!(reads.stats(), (1, 1));
    remove(database, place).await;
}

#[tokio::test]
async fn a_query_dropped_half_way_closes_its_connection() {
    let (database, place) = fresh_database().await;
    let reads = pool(&database, 4, POOL_SETTINGS);
    rows(&reads, "SELECT 1").await.expect("a row");
    let cancelled =
        tokio::time::timeout(Duration::from_millis(100), rows(&reads, slow(&reads))).await;
    assert!(cancelled.is_err(), "the slow query was cut off");
    assert_eq!(reads.stats(), (0, 0), "the cut-off connection is not kept");
    assert_eq!(
        rows(&reads, "SELECT 1")
            .await
            .expect("a fresh connection reads"),
        1
    );
    assert_eq!(reads.stats(), (1, 1));
    remove(database, place).await;
}

#[tokio::test]
async fn a_read_on_a_connection_the_server_cut_off_is_tried_again_on_a_new_one() {
    let (database, place) = fresh_database().await;
    let reads = pool(&database, 4, POOL_SETTINGS);
    // A SQLite connection is a file handle: nothing between can cut it off.
    if let ReadPool::Postgres(_) = reads {
        rows(&reads, "SELECT 1").await.expect("a row");
        assert_eq!(reads.stats(), (1, 1));
        cut_off(&database).await;
        let again = rows(&reads, "SELECT 1").await;
        assert_eq!(again.expect("read on a new connection"), 1);
        assert_eq!(
            reads.stats(),
            (1, 1),
            "the dead connection closed, the new one kept"
        );
    }
    remove(database, place).await;
}

/// Rows read as they come are all the rows; the connection is kept after them and
/// after the database's own error, and a read on a connection the server cut off
/// is tried again on a new one, as with `fetch_all`.
#[tokio::test]
async fn rows_read_as_they_come_are_all_of_them_under_the_pools_rules() {
    let (database, place) = fresh_database().await;
    let reads = pool(&database, 4, POOL_SETTINGS);
    let thousand = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000) SELECT x FROM c";
    assert_eq!(streamed(&reads, thousand).await.expect("rows"), 1000);
    assert_eq!(reads.stats(), (1, 1), "kept after its rows");
    let missing = streamed(&reads, "SELECT * FROM no_such_table").await;
    assert!(matches!(missing, Err(DbErr::Query(_))), "{missing:?}");
    assert_eq!(reads.stats(), (1, 1), "kept after the database's error");
    if let ReadPool::Postgres(_) = reads {
        cut_off(&database).await;
        assert_eq!(
            streamed(&reads, thousand)
                .await
                .expect("read on a new connection"),
            1000
        );
        assert_eq!(
            reads.stats(),
            (1, 1),
            "the dead connection closed, the new one kept"
        );
    }
    remove(database, place).await;
}

#[tokio::test]
async fn no_more_connections_than_the_limit_and_a_wait_that_times_out() {
    let (database, place) = fresh_database().await;
    let settings = PoolSettings {
        acquire_timeout: Duration::from_millis(200),
        ..POOL_SETTINGS
    };
    let reads = pool(&database, 1, settings);
    let (held, waited) = match &reads {
        ReadPool::Postgres(pool) => {
            let held = pool.lend().await.expect("the one connection");
            (held.opened, pool.lend().await.err())
        }
        ReadPool::Sqlite(pool) => {
            let held = pool.lend().await.expect("the one connection");
            (held.opened, pool.lend().await.err())
        }
    };
    assert!(
        held.elapsed() >= Duration::from_millis(200),
        "the second waited"
    );
    assert!(
        matches!(
            waited,
            Some(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout))
        ),
        "{waited:?}"
    );
    assert_eq!(
        reads.stats(),
        (0, 0),
        "the held connection, never given back, is closed"
    );
    remove(database, place).await;
}

#[tokio::test]
async fn idle_connections_are_pinged_and_closed_after_their_time() {
    let (database, place) = fresh_database().await;
    let settings = PoolSettings {
        ping_if_idle_for: Duration::ZERO,
        idle_timeout: Duration::from_millis(100),
        ..POOL_SETTINGS
    };
    let reads = pool(&database, 4, settings);
    rows(&reads, "SELECT 1").await.expect("a row");
    rows(&reads, "SELECT 1")
        .await
        .expect("a row on the pinged connection");
    assert_eq!(reads.stats(), (1, 1));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(reads.stats(), (0, 0), "closed by the reaper");
    assert_eq!(rows(&reads, "SELECT 1").await.expect("a new connection"), 1);
    remove(database, place).await;
}
