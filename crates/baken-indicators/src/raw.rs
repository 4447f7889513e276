//! The on-disk shape of library files, with source spans kept for the checker.
//!
//! Every library file may hold any of the top-level arrays below; the loader
//! merges all files of a directory. Unknown keys are refused so that a typo
//! never silently drops data.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::model::{DimensionGroup, Level, PhenomenonKind, Strength, Subject};

pub(crate) type Sid = Spanned<String>;
/// Texts are plain maps: toml's `Spanned` cannot wrap a dotted-key table, so
/// translation problems are reported at the owning item's id line.
pub(crate) type RawText = BTreeMap<String, String>;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileDoc {
    pub library: Option<RawMeta>,
    #[serde(default)]
    pub context: Vec<RawContext>,
    #[serde(default)]
    pub phenomenon: Vec<RawPhenomenon>,
    #[serde(default)]
    pub stage: Vec<RawStage>,
    #[serde(default)]
    pub dimension: Vec<RawDimension>,
    #[serde(default)]
    pub indicator: Vec<RawIndicator>,
    #[serde(default)]
    pub barrier: Vec<RawBarrier>,
    #[serde(default)]
    pub partner: Vec<RawPartner>,
    #[serde(default)]
    pub dimension_rule: Vec<RawDimensionRule>,
    #[serde(default)]
    pub level_rule: Vec<RawLevelRule>,
    pub scoring: Option<Spanned<RawScoring>>,
    pub recommend: Option<Spanned<RawRecommend>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawMeta {
    pub id: Sid,
    pub version: Sid,
    pub languages: Vec<String>,
    pub title: RawText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawContext {
    pub id: Sid,
    pub name: RawText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPhenomenon {
    pub id: Sid,
    pub kind: PhenomenonKind,
    pub rule_set: Sid,
    pub name: RawText,
    pub description: RawText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStage {
    pub id: Sid,
    pub order: u32,
    pub name: RawText,
    pub description: RawText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDimension {
    pub id: Sid,
    pub group: DimensionGroup,
    pub means: bool,
    pub name: RawText,
    pub description: RawText,
    pub minor_note: RawText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLink {
    pub id: Sid,
    pub strength: Strength,
    pub minor: Option<Strength>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIndicator {
    pub id: Sid,
    pub stage: Sid,
    pub dimension: Option<Sid>,
    pub contexts: Vec<Sid>,
    pub card: Sid,
    pub only_for: Option<Subject>,
    #[serde(default)]
    pub contradicts: Vec<Sid>,
    pub phenomena: Vec<RawLink>,
    pub label: RawText,
    pub look_for: RawText,
    pub questions: Vec<RawText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawBarrier {
    pub id: Sid,
    pub stage: Sid,
    pub name: RawText,
    pub what: RawText,
    pub instrument_nl: RawText,
    pub instrument_be: RawText,
    pub who: RawText,
    pub indicators: Vec<Sid>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPartner {
    pub id: Sid,
    pub name: RawText,
    pub examples_nl: String,
    pub examples_be: String,
    pub phenomena: Vec<Sid>,
    #[serde(default)]
    pub subjects: Vec<Subject>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawDimensionRule {
    pub id: Sid,
    #[serde(default)]
    pub strong: u32,
    #[serde(default)]
    pub medium: u32,
    #[serde(default)]
    pub weak: u32,
    pub description: RawText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLevelRule {
    pub id: Sid,
    pub rule_set: Sid,
    pub level: Level,
    pub subjects: Option<Vec<Subject>>,
    pub enabled: Option<bool>,
    #[serde(default)]
    pub dimension_groups: Vec<Vec<Sid>>,
    pub dimensions_min: Option<u32>,
    pub score_min: Option<u32>,
    pub strong_min: Option<u32>,
    pub stages_min: Option<u32>,
    pub description: RawText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScoring {
    pub strong: u32,
    pub medium: u32,
    pub weak: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRecommend {
    pub barriers_from: Level,
    pub partners_from: Level,
    pub questions_max: u32,
}
