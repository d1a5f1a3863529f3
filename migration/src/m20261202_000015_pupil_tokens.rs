//! Pupils' and guardians' tokens (DESIGN.md §3.9) are kept with the keys, so a
//! presented token is found by its digest exactly as a key is: each names the pupil it
//! reaches (with `school_id`, the school that made it) and the key that made it.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in ["student_id", "issued_by"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("api_keys")
                        .add_column(uuid_null(column))
                        .to_owned(),
                )
                .await?;
        }
        for (name, columns) in [
            ("idx_api_keys_student", ["tenant_id", "student_id"]),
            ("idx_api_keys_issued_by", ["tenant_id", "issued_by"]),
        ] {
            let mut index = Index::create();
            index.name(name).table("api_keys");
            for column in columns {
                index.col(column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
