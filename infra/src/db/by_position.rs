//! Reading the rows of hot queries by position, straight from the driver's row.
//!
//! sea-orm's derived reader looks each column up by name and, for every NULL in an
//! optional column, formats the column's name into an error that it then discards:
//! about 800 instructions a column, and a page of work visits reads 51 rows of 27
//! (callgrind: 80 % of the repository's instructions in a work-visit search on
//! PostgreSQL).
//! [`SelectByPosition`] runs the same `SELECT` (every column of the entity, in
//! declaration order) on the pool's driver and reads each row by index, checking each
//! column's name and type, so a model whose fields and columns ever disagree fails
//! loudly instead of reading the wrong column. A row is read into an entity's model
//! ([`by_position!`]) or straight into a domain value whose reader takes the columns
//! in the same order (work visits, schools), text it only parses borrowed from the
//! row ([`Columns::next_str`]).
//!
//! It sends the statement through sqlx itself rather than sea-orm's connection:
//! sea-orm moved the driver's future (about 15 KB) twice more on its way, 17 % of
//! the instructions of a `get_school` (callgrind), and wrapped every row again. It
//! runs on connections of its own pool ([`Reads`]), which takes them back without a
//! round trip.
//!
//! On PostgreSQL every row of one result shares the statement's column names and
//! types, so [`SelectByPosition::all_by_position`] checks them on the first row and
//! decodes the others unchecked: the per-cell check (sqlx compares type descriptions,
//! names included) was a third of the decoding's instructions on a page of work
//! visits. SQLite types each value, not each column, so there every cell is checked.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{
    PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder, Value, Values,
};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select};
use sea_query_sqlx::{SqlxBinder, SqlxValues};
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgRow, PgValueFormat, PgValueRef};
use sqlx::sqlite::SqliteRow;
use sqlx::{Column, Decode, Postgres, Row, Sqlite, Type, ValueRef};
use uuid::Uuid;

use super::reads::Reads;
use super::versioned::TenantTable;

/// `one` and `all` of a query over an entity, each row read by position into an `M`:
/// the entity's model, or a value whose reader takes the entity's columns in order.
pub(crate) trait SelectByPosition<M> {
    fn one_by_position(
        self,
        reads: &Reads,
    ) -> impl Future<Output = Result<Option<M>, DbErr>> + Send;
    fn all_by_position(self, reads: &Reads) -> impl Future<Output = Result<Vec<M>, DbErr>> + Send;
}

impl<E, M> SelectByPosition<M> for Select<E>
where
    E: EntityTrait,
    M: FromColumns + Send + Sync,
{
    async fn one_by_position(self, reads: &Reads) -> Result<Option<M>, DbErr> {
        Ok(self
            .limit(1)
            .all_by_position(reads)
            .await?
            .into_iter()
            .next())
    }

    async fn all_by_position(self, reads: &Reads) -> Result<Vec<M>, DbErr> {
        let query = self.into_query();
        read_rows(reads, |postgres| Ok(render(&query, postgres))).await
    }
}

/// `query` as SQL for PostgreSQL or SQLite, with its values to bind.
fn render(query: &SelectStatement, postgres: bool) -> (String, SqlxValues) {
    if postgres {
        query.build_sqlx(PostgresQueryBuilder)
    } else {
        query.build_sqlx(SqliteQueryBuilder)
    }
}

/// The row of a tenant table with the key `(tenant, id)`, read by position: the
/// statement of `scoped(tenant)` filtered on the id, rendered once per table and
/// backend and then only bound (sea-query rendered it on every request: 14 k
/// instructions of a `get_school`'s 187 k, callgrind).
pub(crate) async fn one_by_key<E, M>(
    reads: &Reads,
    tenant: Uuid,
    id: Uuid,
) -> Result<Option<M>, DbErr>
where
    E: TenantTable,
    M: FromColumns + Send + Sync,
{
    let rows: Vec<M> = read_rows(reads, |postgres| {
        let sql = key_sql::<E>(postgres)?;
        let values = SqlxValues(Values(vec![Value::from(tenant), Value::from(id)]));
        Ok((sql, values))
    })
    .await?;
    Ok(rows.into_iter().next())
}

/// The SQL of [`one_by_key`] for `E` on PostgreSQL or SQLite, rendered on first use.
fn key_sql<E: TenantTable>(postgres: bool) -> Result<String, DbErr> {
    type Rendered = HashMap<(TypeId, bool), String>;
    static RENDERED: LazyLock<RwLock<Rendered>> = LazyLock::new(RwLock::default);
    let key = (TypeId::of::<E>(), postgres);
    if let Some(sql) = RENDERED.read().ok().and_then(|r| r.get(&key).cloned()) {
        return Ok(sql);
    }
    let query = E::scoped(Uuid::nil())
        .filter(E::id_column().eq(Uuid::nil()))
        .into_query();
    let (sql, values) = render(&query, postgres);
    // The statement must take the key and nothing else, in that order.
    let placeholders = [Value::from(Uuid::nil()), Value::from(Uuid::nil())];
    if values.0.0 != placeholders {
        return Err(DbErr::Custom(format!(
            "the key statement of {} binds {:?}",
            E::default().table_name(),
            values.0.0
        )));
    }
    if let Ok(mut rendered) = RENDERED.write() {
        rendered.insert(key, sql.clone());
    }
    Ok(sql)
}

/// Runs the statement `build` makes for the connection's backend (`true` for
/// PostgreSQL) and reads its rows by position.
async fn read_rows<M: FromColumns>(
    reads: &Reads,
    build: impl FnOnce(bool) -> Result<(String, SqlxValues), DbErr>,
) -> Result<Vec<M>, DbErr> {
    match reads {
        Reads::Postgres(pool) => {
            let (sql, values) = build(true)?;
            let rows = pool.fetch_all(sql, values).await?;
            read_all(rows.iter().map(DriverRow::Postgres))
        }
        Reads::Sqlite(pool) => {
            let (sql, values) = build(false)?;
            let rows = pool.fetch_all(sql, values).await?;
            read_all(rows.iter().map(DriverRow::Sqlite))
        }
    }
}

/// The rows of one result as models, the first row's columns checked (see the
/// module's documentation).
fn read_all<'r, M: FromColumns>(
    rows: impl Iterator<Item = DriverRow<'r>>,
) -> Result<Vec<M>, DbErr> {
    let mut checked = false;
    rows.map(|row| {
        let model = M::from_columns(&mut Columns {
            row,
            at: 0,
            checked,
        });
        checked = true;
        model
    })
    .collect()
}

/// A value that can be read column by column, in its entity's column order.
pub(crate) trait FromColumns: Sized {
    fn from_columns(columns: &mut Columns<'_>) -> Result<Self, DbErr>;
}

enum DriverRow<'r> {
    Postgres(&'r PgRow),
    Sqlite(&'r SqliteRow),
}

/// The columns of one row, read in order.
pub(crate) struct Columns<'r> {
    row: DriverRow<'r>,
    at: usize,
    /// An earlier row of the same result had these columns' names and types checked.
    checked: bool,
}

/// A value both drivers decode.
pub(crate) trait Cell:
    for<'a> Decode<'a, Postgres> + Type<Postgres> + for<'a> Decode<'a, Sqlite> + Type<Sqlite>
{
    /// The value of a PostgreSQL cell whose column's type was checked: sqlx's own
    /// decoding, unless the type does better.
    fn decode_postgres(raw: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        <Self as Decode<Postgres>>::decode(raw)
    }
}

impl Cell for String {}
impl Cell for i32 {}
impl Cell for i64 {}
impl Cell for bool {}
impl Cell for Uuid {}
impl Cell for chrono::NaiveDate {}

impl Cell for DateTime<Utc> {
    /// A binary `timestamptz` is a count of microseconds since 2000-01-01 UTC. sqlx
    /// turns it into a naive date-time, adds a `Duration` to the epoch, and goes
    /// through a fixed offset to UTC: about 400 instructions a value (callgrind), and
    /// a page of 50 schools or work visits holds a hundred of them. Values chrono
    /// cannot hold as such are left to sqlx.
    fn decode_postgres(raw: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        if raw.format() == PgValueFormat::Binary
            && let Ok(bytes) = <[u8; 8]>::try_from(raw.as_bytes()?)
            && let Some(at) = i64::from_be_bytes(bytes)
                .checked_add(POSTGRES_EPOCH_MICROS)
                .and_then(DateTime::from_timestamp_micros)
        {
            return Ok(at);
        }
        <Self as Decode<Postgres>>::decode(raw)
    }
}

/// 2000-01-01T00:00:00Z, PostgreSQL's epoch, in microseconds since the Unix epoch.
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

impl<T: Cell> Cell for Option<T> {
    fn decode_postgres(raw: PgValueRef<'_>) -> Result<Self, BoxDynError> {
        if raw.is_null() {
            Ok(None)
        } else {
            T::decode_postgres(raw).map(Some)
        }
    }
}

impl<'r> Columns<'r> {
    /// The next column's value, which must be the column called `name`.
    pub(crate) fn next<T: Cell>(&mut self, name: &str) -> Result<T, DbErr> {
        let at = self.at;
        self.at += 1;
        let value = match self.row {
            // Decoded straight from the raw value: `try_get_unchecked` wraps every
            // result in sqlx's large error type (callgrind: reading a page of work
            // visits' cells took 15 k instructions less without it).
            DriverRow::Postgres(row) if self.checked => {
                return match row.try_get_raw(at) {
                    Ok(raw) => T::decode_postgres(raw)
                        .map_err(|e| DbErr::Type(format!("column {name}: {e}"))),
                    Err(e) => Err(DbErr::Type(format!("column {name}: {e}"))),
                };
            }
            DriverRow::Postgres(row) => {
                check_postgres_column::<T>(row, at, name)?;
                row.try_get::<T, _>(at)
            }
            DriverRow::Sqlite(row) => {
                check_name(at, row.columns().get(at).map(Column::name), name)?;
                row.try_get::<T, _>(at)
            }
        };
        value.map_err(|e| DbErr::Type(format!("column {name}: {e}")))
    }

    /// The next column's text, borrowed from the row: for values that are parsed
    /// into something else (a code, a list of codes, a checked name) and need no
    /// `String` of their own. The column must be called `name` and not be NULL.
    pub(crate) fn next_str(&mut self, name: &str) -> Result<&'r str, DbErr> {
        self.next_optional_str(name)?
            .ok_or_else(|| DbErr::Type(format!("column {name} is NULL")))
    }

    /// [`Columns::next_str`] of a column that may be NULL.
    pub(crate) fn next_optional_str(&mut self, name: &str) -> Result<Option<&'r str>, DbErr> {
        let at = self.at;
        self.at += 1;
        let value = match self.row {
            DriverRow::Postgres(row) => {
                if !self.checked {
                    check_postgres_column::<String>(row, at, name)?;
                }
                match row.try_get_raw(at) {
                    Ok(raw) if raw.is_null() => Ok(None),
                    Ok(raw) => raw.as_str().map(Some),
                    Err(e) => Err(e.into()),
                }
            }
            DriverRow::Sqlite(row) => {
                check_name(at, row.columns().get(at).map(Column::name), name)?;
                row.try_get::<Option<&'r str>, _>(at)
                    .map_err(BoxDynError::from)
            }
        };
        value.map_err(|e| DbErr::Type(format!("column {name}: {e}")))
    }
}

/// Column `at` of a PostgreSQL result is called `name` and holds `T`s. A NULL in the
/// first row is not type-checked by `try_get`; the column's own type is, so the rows
/// read unchecked after it are.
fn check_postgres_column<T: Type<Postgres>>(
    row: &PgRow,
    at: usize,
    name: &str,
) -> Result<(), DbErr> {
    let column = row.columns().get(at);
    check_name(at, column.map(Column::name), name)?;
    match column {
        Some(column) if !T::compatible(column.type_info()) => Err(DbErr::Type(format!(
            "column {name} is of type {}",
            column.type_info()
        ))),
        _ => Ok(()),
    }
}

fn check_name(at: usize, found: Option<&str>, expected: &str) -> Result<(), DbErr> {
    if found == Some(expected) {
        Ok(())
    } else {
        Err(DbErr::Type(format!(
            "column {at} is {found:?}, expected {expected}"
        )))
    }
}

/// Implements [`FromColumns`] for an entity's model, naming its fields in the order of
/// the entity's columns (the order they are declared in).
macro_rules! by_position {
    ($model:path { $($field:ident),* $(,)? }) => {
        impl $crate::db::by_position::FromColumns for $model {
            fn from_columns(
                columns: &mut $crate::db::by_position::Columns<'_>,
            ) -> Result<Self, sea_orm::DbErr> {
                Ok(Self {
                    $($field: columns.next(stringify!($field))?,)*
                })
            }
        }
    };
}
pub(crate) use by_position;

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ActiveModelTrait, IdenStatic, IntoActiveModel, Iterable, QueryOrder};

    use driehoek_domain::schools::School;

    use super::*;
    use crate::db::Database;
    use crate::db::entities::{schools, tenants};
    use crate::db::test_database::{Place, fresh_database, remove};

    by_position!(schools::Model {
        tenant_id,
        id,
        version,
        created_at,
        updated_at,
        name,
        kind,
        registration_code,
        education_levels,
        address_street,
        address_postal_code,
        address_city,
        contact_email,
        website,
    });

    fn school(tenant: Uuid, name: &str, filled: bool) -> schools::Model {
        let text = |v: &str| filled.then(|| v.to_owned());
        schools::Model {
            tenant_id: tenant,
            id: Uuid::now_v7(),
            version: 3,
            created_at: Utc::now(),
            updated_at: Utc::now(),
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
    }

    async fn a_tenant(db: &sea_orm::DatabaseConnection) -> Uuid {
        let tenant = Uuid::now_v7();
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
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
        .into_active_model()
        .insert(db)
        .await
        .expect("a tenant");
        tenant
    }

    /// A fresh, migrated database holding a tenant with three schools: "Empty", "Full"
    /// and "Empty again" (every optional column NULL but in "Full").
    async fn three_schools() -> (Database, Place, Uuid) {
        let (database, place) = fresh_database().await;
        database.migrate().await.expect("migrate");
        let db = database.connection();
        let tenant = a_tenant(db).await;
        for (name, filled) in [("Empty", false), ("Full", true), ("Empty again", false)] {
            school(tenant, name, filled)
                .into_active_model()
                .insert(db)
                .await
                .expect("a school");
        }
        (database, place, tenant)
    }

    /// Every column of `schools` in order, but `replaced` computed by `sql` (under
    /// the column's own name), ordered by id.
    fn schools_with(replaced: schools::Column, sql: &'static str) -> Select<schools::Entity> {
        let mut query = schools::Entity::find().select_only();
        for column in schools::Column::iter() {
            query = if column.as_str() == replaced.as_str() {
                query.column_as(Expr::cust(sql), column.as_str())
            } else {
                query.column(column)
            };
        }
        query.order_by_asc(schools::Column::Id)
    }

    /// Read by position, rows are what sea-orm's own reader makes of them, NULLs and
    /// all; a `SELECT` whose columns are not the model's, in its order and of its
    /// types, is refused, also when the first row holds a NULL in the odd column.
    #[tokio::test]
    async fn a_model_read_by_position_is_the_model_read_by_name() {
        let (database, place, tenant) = three_schools().await;
        let db = database.connection();
        let reads = database.reads();

        let query = schools::Entity::find().order_by_asc(schools::Column::Id);
        let by_name = query.clone().all(db).await.expect("by name");
        let by_position: Vec<schools::Model> = query
            .clone()
            .all_by_position(reads)
            .await
            .expect("by position");
        assert_eq!(by_position, by_name);
        assert_eq!(by_position.len(), 3);
        assert_eq!(by_position[0].website, None);
        assert_eq!(
            by_position[1].website.as_deref(),
            Some("https://example.org/")
        );
        assert_eq!(by_position[2].website, None);
        let one: Option<schools::Model> =
            query.one_by_position(reads).await.expect("one by position");
        assert_eq!(one.as_ref(), by_name.first());
        // By key (twice: rendering, then the rendered statement): the row of that
        // tenant, and nothing under another tenant's key.
        for _ in 0..2 {
            let by_key =
                one_by_key::<schools::Entity, schools::Model>(reads, tenant, by_name[1].id)
                    .await
                    .expect("by key");
            assert_eq!(by_key.as_ref(), by_name.get(1));
        }
        let elsewhere =
            one_by_key::<schools::Entity, schools::Model>(reads, Uuid::now_v7(), by_name[1].id)
                .await
                .expect("by key");
        assert_eq!(elsewhere, None);

        let wrong: Result<Option<schools::Model>, DbErr> = schools::Entity::find()
            .select_only()
            .column(schools::Column::Id)
            .column(schools::Column::TenantId)
            .one_by_position(reads)
            .await;
        assert!(
            matches!(&wrong, Err(DbErr::Type(why)) if why.contains("expected tenant_id")),
            "{wrong:?}"
        );

        // `website` as an integer column that is NULL in the first row: PostgreSQL
        // types the column, so the first row's check refuses it before any later row
        // is read unchecked; SQLite types values, and refuses the second row's.
        let odd = schools_with(
            schools::Column::Website,
            "CASE WHEN name = 'Full' THEN 7 ELSE NULL END",
        );
        let as_models: Result<Vec<schools::Model>, DbErr> =
            odd.clone().all_by_position(reads).await;
        assert!(
            matches!(&as_models, Err(DbErr::Type(why)) if why.contains("column website")),
            "{as_models:?}"
        );
        // The same through borrowed text (`next_optional_str`).
        let as_schools: Result<Vec<School>, DbErr> = odd.all_by_position(reads).await;
        assert!(
            matches!(&as_schools, Err(DbErr::Type(why)) if why.contains("column website")),
            "{as_schools:?}"
        );
        remove(database, place).await;
    }

    /// A domain value read from borrowed text (`next_str`, `next_optional_str`) holds
    /// every stored value: written back as a model, it is the row read by name. A NULL
    /// where text must be, in a row read unchecked, fails.
    #[tokio::test]
    async fn a_school_read_from_borrowed_text_is_the_stored_school() {
        let (database, place, tenant) = three_schools().await;
        let db = database.connection();
        let reads = database.reads();
        let query = schools::Entity::find().order_by_asc(schools::Column::Id);
        let by_name = query.clone().all(db).await.expect("by name");
        let read: Vec<School> = query.all_by_position(reads).await.expect("by position");
        let written_back: Vec<schools::Model> =
            read.iter().map(crate::db::schools::to_model).collect();
        assert_eq!(written_back, by_name);
        let by_key: Option<School> =
            one_by_key::<schools::Entity, School>(reads, tenant, by_name[1].id)
                .await
                .expect("by key");
        assert_eq!(
            by_key.map(|s| s.website.map(|w| w.as_str().to_owned())),
            Some(Some("https://example.org/".to_owned()))
        );

        let nameless: Result<Vec<School>, DbErr> = schools_with(
            schools::Column::Name,
            "CASE WHEN name = 'Full' THEN NULL ELSE name END",
        )
        .all_by_position(reads)
        .await;
        assert!(
            matches!(&nameless, Err(DbErr::Type(why)) if why.contains("column name is NULL")),
            "{nameless:?}"
        );
        remove(database, place).await;
    }

    /// Timestamps across the range the tables hold, before and after PostgreSQL's
    /// epoch (2000) and to the microsecond, read by position exactly as sea-orm reads
    /// them (on PostgreSQL, the rows after the first through the own decoding of
    /// `timestamptz`).
    #[tokio::test]
    async fn timestamps_read_by_position_are_the_timestamps_read_by_name() {
        let (database, place) = fresh_database().await;
        database.migrate().await.expect("migrate");
        let db = database.connection();
        let reads = database.reads();
        let tenant = a_tenant(db).await;
        let times: Vec<DateTime<Utc>> = [
            "2026-11-24T06:30:01.123456Z",
            "1970-01-01T00:00:00Z",
            "1999-12-31T23:59:59.999999Z",
            "2000-01-01T00:00:00Z",
            "2000-01-01T00:00:00.000001Z",
            "1900-02-28T12:00:00.5Z",
            "2038-01-19T03:14:08Z",
            "9999-12-31T23:59:59.999999Z",
        ]
        .iter()
        .map(|t| t.parse().expect("a time"))
        .collect();
        for (i, at) in times.iter().enumerate() {
            let mut row = school(tenant, &format!("School {i}"), false);
            row.created_at = *at;
            row.updated_at = *at;
            row.into_active_model().insert(db).await.expect("a school");
        }
        let query = schools::Entity::find().order_by_asc(schools::Column::Id);
        let by_name = query.clone().all(db).await.expect("by name");
        let by_position: Vec<schools::Model> =
            query.all_by_position(reads).await.expect("by position");
        assert_eq!(by_position, by_name);
        let read: Vec<DateTime<Utc>> = by_position.iter().map(|s| s.created_at).collect();
        assert_eq!(read, times);
        remove(database, place).await;
    }
}
