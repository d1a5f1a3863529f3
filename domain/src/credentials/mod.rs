//! Portable proof (DESIGN.md §4 "credentials"): the city as Open Badges 3.0 issuer,
//! credentials for the visits pupils went to, secured as VC-JWTs (VC-JOSE-COSE, EdDSA
//! with Ed25519) that anyone verifies with the city's published keys, and revocation
//! through a Bitstring Status List.
//!
//! The JSON a credential is, its signature and its status list are built here
//! ([`document`]); keys are made here and kept, their private half sealed, by the
//! adapter behind [`CredentialRepository`].

pub mod document;
mod model;
mod ports;
mod service;

pub use model::{
    Credential, IssuerKey, LIST_BITS, SigningKey, StatusCheck, StatusEntry, Verification,
};
pub use ports::{CredentialRepository, Issued};
pub use service::{CredentialService, CredentialSources, IssuedCredential, NewCredential};
