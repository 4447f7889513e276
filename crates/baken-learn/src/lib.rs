//! baken-learn: the learning platform's content and rules, pure.
//!
//! * practice cases (`learning/cases/*.toml`) and lessons
//!   (`learning/modules/<module>/<lang>.md`, index in `learning/modules/index.toml`),
//!   embedded at build time like the indicator library;
//! * [`compare`]: a learner's choices against a case's expected answer, with the
//!   engine's reading of both and an explanation per difference;
//! * [`privacy::scan`]: a checker for things that look like personal data;
//! * [`check`]: every content problem (languages, references, privacy findings, and
//!   whether each case's expected answer agrees with the assessment engine).
//!
//! No I/O, no clock: the content is embedded, the library is passed in.

#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod check;
mod compare;
mod content;
pub mod privacy;

pub use check::{check, reading_summary, yes_input, Problem};
pub use compare::{compare, Comparison, IndicatorDiff, Verdict};
pub use content::{embedded, load, Action, Case, Content, Module, Source, LANGUAGES};

macro_rules! shipped_cases {
    ($($name:literal),* $(,)?) => {
        /// The shipped practice-case files, by base name.
        pub const CASE_FILES: &[(&str, &str)] = &[
            $(($name, include_str!(concat!("../../../learning/cases/", $name)))),*
        ];
    };
}

shipped_cases!(
    "labour.toml",
    "sexual.toml",
    "criminal.toml",
    "begging.toml",
    "sham-marriage.toml",
    "straw-man.toml",
    "smuggling.toml",
    "housing.toml",
    "nothing-wrong.toml",
);

/// The shipped module index.
pub const MODULE_INDEX: &str = include_str!("../../../learning/modules/index.toml");

macro_rules! shipped_lessons {
    ($($module:literal),* $(,)?) => {
        /// The shipped lessons: (module id, language, Markdown).
        pub const LESSON_FILES: &[(&str, &str, &str)] = &[
            $(
                ($module, "nl", include_str!(concat!("../../../learning/modules/", $module, "/nl.md"))),
                ($module, "en", include_str!(concat!("../../../learning/modules/", $module, "/en.md"))),
                ($module, "fr", include_str!(concat!("../../../learning/modules/", $module, "/fr.md"))),
            )*
        ];
    };
}

shipped_lessons!("desk", "inspection", "neighbourhood", "trainer");
