//! Attendance recorded on bookings (a head count until pupils are named).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [
            integer_null("attended_count"),
            integer_null("absent_count"),
            timestamp_with_time_zone_null("attendance_recorded_at"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("bookings")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
