//! baken-indicators: the indicator library (barrier model) as versioned data,
//! its loader and checker, and the pure, explained assessment engine.
//!
//! The shipped library lives in the repository's `indicators/` directory and is
//! embedded in this crate, so the binary works without the directory:
//! [`embedded`] loads it, [`load_dir`] loads a custom one. Nothing here reads
//! a clock, draws a random number or touches the network; the only I/O is
//! [`load_dir`] / [`read_dir_sources`] reading one directory.
//!
//! ```
//! use baken_indicators::{embedded, AssessmentInput, Observation, Answer, Subject};
//! let lib = embedded().expect("shipped library is valid");
//! let input = AssessmentInput {
//!     subject: Subject::Adult,
//!     context: Some("registration_desk".into()),
//!     language: Some("nl".into()),
//!     observations: vec![Observation { indicator: "IDR-01".into(), answer: Answer::Yes }],
//! };
//! let reading = lib.assess(&input).expect("valid input");
//! assert_eq!(reading.library.version, lib.meta.version);
//! ```

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod diff;
mod engine;
mod load;
mod model;
mod raw;
mod stats;

pub use diff::{diff_libraries, reread, KindDiff, LibraryDiff, PhenomenonChange, ReadingChange};
pub use engine::{
    Answer, AssessmentInput, BarrierAdvice, Contradiction, ContradictionKind, FiredRule,
    InputError, InputProblem, LibraryStamp, Observation, OpenQuestion, PhenomenonReading, Reading,
    RuleKind, DIMENSIONS_MAX, OBSERVATIONS_MAX, STAGES_MAX,
};
pub use load::{
    check_dir, content_hash, load_dir, load_sources, read_dir_sources, LoadError, Problem,
    SourceFile,
};
pub use model::*;
pub use stats::{stats, LanguageStats, Stats};

macro_rules! shipped {
    ($($name:literal),* $(,)?) => {
        /// The shipped library files, by base name, as embedded at build time.
        pub const EMBEDDED_FILES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../../indicators/", $name)))),*
        ];
    };
}

shipped!(
    "barriers.toml",
    "contexts.toml",
    "dimensions.toml",
    "indicators-1-entry.toml",
    "indicators-2-housing.toml",
    "indicators-3-identity.toml",
    "indicators-4-work.toml",
    "indicators-5-finances.toml",
    "indicators-6-exit.toml",
    "library.toml",
    "partners.toml",
    "phenomena.toml",
    "rules.toml",
    "stages.toml",
);

/// The embedded library files as [`SourceFile`]s.
pub fn embedded_sources() -> Vec<SourceFile> {
    EMBEDDED_FILES
        .iter()
        .map(|(name, text)| SourceFile {
            name: (*name).to_string(),
            display: format!("indicators/{name}"),
            text: (*text).to_string(),
        })
        .collect()
}

/// Load the library shipped with this build.
pub fn embedded() -> Result<Library, LoadError> {
    load_sources(embedded_sources())
}
