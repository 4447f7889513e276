//! Baken's entity-resolution engine: normalise → block → compare → score
//! (Fellegi-Sunter with EM-estimated m, u from random pairs, term-frequency
//! adjustment) → cluster (with a chain guard) → explain.
//!
//! Pure: no file or network I/O (tables are read from readers the caller opens), no
//! clock, and randomness only through a seeded RNG passed in. The batch pipeline is
//! [`batch::link`]; the online index is [`index::LinkIndex`].

#![allow(clippy::needless_range_loop)]

pub mod batch;
pub mod block;
pub mod cluster;
pub mod compare;
pub mod dict;
pub mod eval;
pub mod fold;
pub mod generate;
#[cfg(feature = "parquet")]
pub mod hybrid;
pub mod index;
pub mod mapping;
pub mod model;
pub mod normalise;
pub mod schema;
pub mod similarity;
pub mod table;
pub mod train;

pub use batch::{link, Dataset, InputRow, LinkOptions, LinkResult, Threshold};
pub use index::{Candidate, LinkIndex};
pub use mapping::Mapping;
pub use model::{Explanation, Model, Params, Part};
pub use schema::{Field, FieldSet, RawRecord};
