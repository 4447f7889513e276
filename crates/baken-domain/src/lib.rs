//! Baken's domain: organisations, roles and what they may do, and the audit chain.
//! Pure: no I/O, no clock, no randomness — callers pass time and ids in.

pub mod audit;
pub mod contacts;
pub mod dossier;
pub mod htcds;
pub mod identifiers;
pub mod org;
pub mod postcode_areas;
pub mod pow;
pub mod role;
pub mod signal;
pub mod triage;

pub use org::{Country, OrgKind};
pub use role::{Permission, Role};
