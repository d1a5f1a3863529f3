//! Whom each change concerns, so the change feed shows every role only changes to
//! resources it may read: `scope` (`public`, `admins`, `parties` or `pupil`) and the
//! school and business a `parties` or `pupil` change is for. Recorded with the change,
//! so a deletion keeps the audience its resource had. Existing changes are filled in
//! from the resources as they are now; changes of resources already deleted go to the
//! administrators only.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const BACKFILL: &[&str] = &[
    "UPDATE changes SET scope = 'public' WHERE resource IN ('school', 'business', 'coach', 'programme', 'programme_member')",
    "UPDATE changes SET business_id = (SELECT w.business_id FROM work_visits w WHERE w.tenant_id = changes.tenant_id AND w.id = changes.resource_id), \
     scope = COALESCE((SELECT CASE WHEN w.status = 'draft' THEN 'parties' ELSE 'public' END FROM work_visits w \
                       WHERE w.tenant_id = changes.tenant_id AND w.id = changes.resource_id), 'admins') \
     WHERE resource = 'work_visit'",
    "UPDATE changes SET business_id = (SELECT w.business_id FROM slots s JOIN work_visits w ON w.tenant_id = s.tenant_id AND w.id = s.work_visit_id \
                                       WHERE s.tenant_id = changes.tenant_id AND s.id = changes.resource_id), \
     scope = COALESCE((SELECT CASE WHEN w.status = 'draft' THEN 'parties' ELSE 'public' END FROM slots s \
                       JOIN work_visits w ON w.tenant_id = s.tenant_id AND w.id = s.work_visit_id \
                       WHERE s.tenant_id = changes.tenant_id AND s.id = changes.resource_id), 'admins') \
     WHERE resource = 'slot'",
    "UPDATE changes SET scope = 'parties', \
     school_id = (SELECT b.school_id FROM bookings b WHERE b.tenant_id = changes.tenant_id AND b.id = changes.resource_id), \
     business_id = (SELECT b.business_id FROM bookings b WHERE b.tenant_id = changes.tenant_id AND b.id = changes.resource_id) \
     WHERE resource = 'booking'",
    "UPDATE changes SET scope = 'parties', \
     school_id = (SELECT b.school_id FROM booking_feedback f JOIN bookings b ON b.tenant_id = f.tenant_id AND b.id = f.booking_id \
                  WHERE f.tenant_id = changes.tenant_id AND f.id = changes.resource_id), \
     business_id = (SELECT b.business_id FROM booking_feedback f JOIN bookings b ON b.tenant_id = f.tenant_id AND b.id = f.booking_id \
                    WHERE f.tenant_id = changes.tenant_id AND f.id = changes.resource_id) \
     WHERE resource = 'booking_feedback'",
    "UPDATE changes SET scope = 'pupil', \
     school_id = (SELECT s.school_id FROM students s WHERE s.tenant_id = changes.tenant_id AND s.id = changes.resource_id) \
     WHERE resource = 'student'",
    "UPDATE changes SET scope = 'pupil', \
     school_id = (SELECT s.school_id FROM consents c JOIN students s ON s.tenant_id = c.tenant_id AND s.id = c.student_id \
                  WHERE c.tenant_id = changes.tenant_id AND c.id = changes.resource_id) \
     WHERE resource = 'consent'",
    "UPDATE changes SET scope = 'pupil', \
     school_id = (SELECT s.school_id FROM portfolio_entries e JOIN students s ON s.tenant_id = e.tenant_id AND s.id = e.student_id \
                  WHERE e.tenant_id = changes.tenant_id AND e.id = changes.resource_id) \
     WHERE resource = 'portfolio_entry'",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [
            text("scope").default("admins").to_owned(),
            uuid_null("school_id"),
            uuid_null("business_id"),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table("changes")
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        let db = manager.get_connection();
        for statement in BACKFILL {
            db.execute_unprepared(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration(
            "Driehoek migrations are forward-only".to_owned(),
        ))
    }
}
