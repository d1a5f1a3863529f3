//! Typed identifiers. Every id is a UUIDv7 made by the application, so ids sort by
//! creation time; keyset paging relies on that.

use std::fmt;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }
    };
}

id_type!(
    /// A tenant: one city.
    TenantId
);
id_type!(ApiKeyId);
id_type!(SchoolId);
id_type!(BusinessId);
id_type!(CoachId);
id_type!(ProgrammeId);
id_type!(ProgrammeMemberId);
id_type!(WorkVisitId);
id_type!(SlotId);
id_type!(FeedbackId);
id_type!(BookingId);
id_type!(PlacementId);
id_type!(
    /// A pupil.
    StudentId
);
id_type!(ConsentId);
id_type!(PortfolioEntryId);
id_type!(TalentNoteId);
id_type!(
    /// A portable credential issued to a pupil.
    CredentialId
);
id_type!(
    /// One of a city's signing keys as credential issuer.
    IssuerKeyId
);
id_type!(AuditEventId);
id_type!(RouteMapId);
id_type!(RoutePlanId);
id_type!(InvitationId);
id_type!(WebhookEndpointId);
id_type!(WebhookDeliveryId);
id_type!(WebhookAttemptId);
