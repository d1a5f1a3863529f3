//! Reading the rows of hot queries by position, straight from the driver's row.
//!
//! sea-orm's derived reader looks each column up by name and, for every NULL in an
//! optional column, formats the column's name into an error that it then discards:
//! about 800 instructions a column, and a page of work visits reads 51 rows of 27
//! (callgrind: 80 % of the repository's instructions in a work-visit search on
//! PostgreSQL).
//! [`ByPosition`] reads the same `SELECT` (every column of the entity, in declaration
//! order) by index, checking each column's name as it goes, so a model whose fields
//! and columns ever disagree fails loudly instead of reading the wrong column.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, FromQueryResult, QueryResult, Select};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::{Column, Decode, Postgres, Row, Sqlite, Type};
use uuid::Uuid;

/// A model read by position (see the module's documentation).
pub(crate) struct ByPosition<M>(pub M);

/// `one` and `all` of a query over an entity whose model reads by position.
#[async_trait]
pub(crate) trait SelectByPosition<M> {
    async fn one_by_position<C: ConnectionTrait>(self, db: &C) -> Result<Option<M>, DbErr>;
    async fn all_by_position<C: ConnectionTrait>(self, db: &C) -> Result<Vec<M>, DbErr>;
}

#[async_trait]
impl<E> SelectByPosition<E::Model> for Select<E>
where
    E: EntityTrait,
    E::Model: FromColumns + Send + Sync,
{
    async fn one_by_position<C: ConnectionTrait>(self, db: &C) -> Result<Option<E::Model>, DbErr> {
        let found = self.into_model::<ByPosition<E::Model>>().one(db).await?;
        Ok(found.map(|ByPosition(model)| model))
    }

    async fn all_by_position<C: ConnectionTrait>(self, db: &C) -> Result<Vec<E::Model>, DbErr> {
        let found = self.into_model::<ByPosition<E::Model>>().all(db).await?;
        Ok(found.into_iter().map(|ByPosition(model)| model).collect())
    }
}

/// A model that can be read column by column, in its entity's column order.
pub(crate) trait FromColumns: Sized {
    fn from_columns(columns: &mut Columns<'_>) -> Result<Self, DbErr>;
}

impl<M: FromColumns + Send + Sync> FromQueryResult for ByPosition<M> {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        if !pre.is_empty() {
            return Err(DbErr::Type(format!(
                "a row read by position has no prefixed columns ({pre})"
            )));
        }
        let row = if let Some(row) = res.try_as_pg_row() {
            DriverRow::Postgres(row)
        } else if let Some(row) = res.try_as_sqlite_row() {
            DriverRow::Sqlite(row)
        } else {
            return Err(DbErr::Type("a row of an unknown driver".to_owned()));
        };
        M::from_columns(&mut Columns { row, at: 0 }).map(ByPosition)
    }
}

enum DriverRow<'r> {
    Postgres(&'r PgRow),
    Sqlite(&'r SqliteRow),
}

/// The columns of one row, read in order.
pub(crate) struct Columns<'r> {
    row: DriverRow<'r>,
    at: usize,
}

/// A value both drivers decode.
pub(crate) trait Cell:
    for<'a> Decode<'a, Postgres> + Type<Postgres> + for<'a> Decode<'a, Sqlite> + Type<Sqlite>
{
}

impl Cell for String {}
impl Cell for i32 {}
impl Cell for i64 {}
impl Cell for bool {}
impl Cell for Uuid {}
impl Cell for DateTime<Utc> {}
impl<T: Cell> Cell for Option<T> {}

impl Columns<'_> {
    /// The next column's value, which must be the column called `name`.
    pub(crate) fn next<T: Cell>(&mut self, name: &str) -> Result<T, DbErr> {
        let at = self.at;
        self.at += 1;
        let (found, value) = match self.row {
            DriverRow::Postgres(row) => (
                row.columns().get(at).map(Column::name),
                row.try_get::<T, _>(at),
            ),
            DriverRow::Sqlite(row) => (
                row.columns().get(at).map(Column::name),
                row.try_get::<T, _>(at),
            ),
        };
        if found != Some(name) {
            return Err(DbErr::Type(format!(
                "column {at} is {found:?}, expected {name}"
            )));
        }
        value.map_err(|e| DbErr::Type(format!("column {name}: {e}")))
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
    use sea_orm::{ActiveModelTrait, IntoActiveModel, QueryOrder, QuerySelect};

    use super::*;
    use crate::db::Database;
    use crate::db::entities::{schools, tenants};

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
            education_levels: "|nl_vmbo_b|".to_owned(),
            address_street: text("Coolsingel 40"),
            address_postal_code: text("3011 AD"),
            address_city: text("Rotterdam"),
            contact_email: text("info@example.org"),
            website: text("https://example.org"),
        }
    }

    /// Read by position, a row is what sea-orm's own reader makes of it, NULLs and
    /// all; a `SELECT` whose columns are not the model's, in its order, is refused.
    #[tokio::test]
    async fn a_model_read_by_position_is_the_model_read_by_name() {
        let path = std::env::temp_dir().join(format!("dh-position-{}.db", Uuid::now_v7()));
        let database = Database::connect(&format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .expect("open");
        database.migrate().await.expect("migrate");
        let db = database.connection();
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
        for (name, filled) in [("Empty", false), ("Full", true)] {
            school(tenant, name, filled)
                .into_active_model()
                .insert(db)
                .await
                .expect("a school");
        }

        let query = schools::Entity::find().order_by_asc(schools::Column::Id);
        let by_name = query.clone().all(db).await.expect("by name");
        let by_position = query.all_by_position(db).await.expect("by position");
        assert_eq!(by_position, by_name);
        assert_eq!(by_position.len(), 2);
        assert_eq!(by_position[0].website, None);
        assert_eq!(
            by_position[1].website.as_deref(),
            Some("https://example.org")
        );

        let wrong = schools::Entity::find()
            .select_only()
            .column(schools::Column::Id)
            .column(schools::Column::TenantId)
            .one_by_position(db)
            .await;
        assert!(
            matches!(&wrong, Err(DbErr::Type(why)) if why.contains("expected tenant_id")),
            "{wrong:?}"
        );
        drop(database);
        let _ = std::fs::remove_file(&path);
    }
}
