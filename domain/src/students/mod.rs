//! Pupils and what a school keeps on them: the record, the consent ledger and the
//! talent portfolio. Only the pupil's current school (and the platform) may touch them;
//! every access is audited. Pupils are minors: the rules here make leaks impossible
//! rather than unlikely — a role that may not see pupils is refused before any lookup,
//! another school's pupil does not exist for a school key, and what a host business may
//! see passes through consent.

mod consents;
mod invitations;
mod model;
mod plans;
mod portfolio;
mod ports;
mod service;
mod talent;

pub use consents::*;
pub use invitations::*;
pub use model::*;
pub use plans::*;
pub use portfolio::*;
pub use ports::*;
pub use service::*;
pub use talent::*;
