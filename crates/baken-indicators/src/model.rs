//! The indicator library as plain Rust values, after loading and checking.
//!
//! These types are the library's public shape. They carry no file positions
//! (those live in [`Library::origin`]) so that two versions of the same item
//! compare equal when only their place in a file moved.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// A text in every language of the library, keyed by language code (`nl`, `en`, `fr`).
///
/// Stored as a short vector sorted by language: the engine looks texts up on
/// every reading and a linear scan of two or three entries beats a map. It
/// serialises as a JSON/TOML map.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text(Vec<(String, String)>);

impl Text {
    pub fn new(map: BTreeMap<String, String>) -> Text {
        Text(map.into_iter().collect())
    }

    /// The text in `lang`, falling back to English and then to any language.
    pub fn get(&self, lang: &str) -> &str {
        self.find(lang)
            .or_else(|| self.find("en"))
            .or_else(|| self.0.first().map(|(_, v)| v.as_str()))
            .unwrap_or("")
    }

    /// The text in exactly `lang`, if present.
    pub fn find(&self, lang: &str) -> Option<&str> {
        let want = lang.as_bytes();
        self.0
            .iter()
            .find(|(k, _)| {
                let k = k.as_bytes();
                k.len() == want.len() && k.iter().zip(want).all(|(a, b)| a == b)
            })
            .map(|(_, v)| v.as_str())
    }

    /// (language, text) pairs, sorted by language.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        BTreeMap::<String, String>::deserialize(deserializer).map(Text::new)
    }
}

/// How strongly an indicator points to a phenomenon (ILO/EC tiers).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    #[default]
    Weak,
    Medium,
    Strong,
}

impl Strength {
    /// Position in per-tier count arrays: strong 0, medium 1, weak 2.
    pub(crate) fn slot(self) -> usize {
        match self {
            Strength::Strong => 0,
            Strength::Medium => 1,
            Strength::Weak => 2,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Strength::Strong => "strong",
            Strength::Medium => "medium",
            Strength::Weak => "weak",
        }
    }
}

/// Who the observations are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum Subject {
    Adult,
    Minor,
    Unknown,
}

impl TryFrom<String> for Subject {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "adult" => Ok(Subject::Adult),
            "minor" => Ok(Subject::Minor),
            "unknown" => Ok(Subject::Unknown),
            other => Err(format!(
                "unknown subject '{other}', expected adult, minor or unknown"
            )),
        }
    }
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Adult => "adult",
            Subject::Minor => "minor",
            Subject::Unknown => "unknown",
        }
    }
}

/// The reading's verdict for one phenomenon. Ordered from none to strong.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    #[default]
    None,
    Weak,
    Possible,
    Strong,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Weak => "weak",
            Level::Possible => "possible",
            Level::Strong => "strong",
        }
    }
}

/// Whether a phenomenon is a form of trafficking or a related phenomenon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhenomenonKind {
    Trafficking,
    Related,
}

/// The three groups the six ILO/EC dimensions fall into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DimensionGroup {
    Recruitment,
    Exploitation,
    Destination,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LibraryMeta {
    pub id: String,
    pub version: String,
    pub languages: Vec<String>,
    pub title: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Context {
    pub id: String,
    pub name: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phenomenon {
    pub id: String,
    pub kind: PhenomenonKind,
    pub rule_set: String,
    pub name: Text,
    pub description: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub id: String,
    pub order: u32,
    pub name: Text,
    pub description: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dimension {
    pub id: String,
    pub group: DimensionGroup,
    /// True when the dimension is about the means (coercion, deception, abuse of
    /// vulnerability); for minors no means are needed.
    pub means: bool,
    pub name: Text,
    pub description: Text,
    pub minor_note: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhenomenonLink {
    pub phenomenon: String,
    pub strength: Strength,
    /// Tier used when the subject is a minor; `None` means the same as `strength`.
    pub minor: Option<Strength>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Indicator {
    pub id: String,
    pub stage: String,
    pub dimension: Option<String>,
    pub contexts: Vec<String>,
    pub card: String,
    /// Set when the indicator only makes sense for this subject (e.g. truancy: minor).
    pub only_for: Option<Subject>,
    pub contradicts: Vec<String>,
    pub phenomena: Vec<PhenomenonLink>,
    pub label: Text,
    pub look_for: Text,
    pub questions: Vec<Text>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Barrier {
    pub id: String,
    pub stage: String,
    pub name: Text,
    pub what: Text,
    pub instrument_nl: Text,
    pub instrument_be: Text,
    pub who: Text,
    pub indicators: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partner {
    pub id: String,
    pub name: Text,
    pub examples_nl: String,
    pub examples_be: String,
    pub phenomena: Vec<String>,
    /// Recommend only for these subjects (empty: all).
    pub subjects: Vec<Subject>,
}

/// "A dimension counts as met when at least these many indicators of each tier are present."
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DimensionRule {
    pub id: String,
    pub strong: u32,
    pub medium: u32,
    pub weak: u32,
    pub description: Text,
}

/// "A phenomenon reaches `level` when every condition that is set holds."
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LevelRule {
    pub id: String,
    pub rule_set: String,
    pub level: Level,
    pub subjects: Vec<Subject>,
    pub enabled: bool,
    /// Each group needs at least one met dimension.
    pub dimension_groups: Vec<Vec<String>>,
    pub dimensions_min: Option<u32>,
    pub score_min: Option<u32>,
    pub strong_min: Option<u32>,
    pub stages_min: Option<u32>,
    pub description: Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Scoring {
    pub strong: u32,
    pub medium: u32,
    pub weak: u32,
}

impl Scoring {
    pub fn weight(&self, s: Strength) -> u32 {
        match s {
            Strength::Strong => self.strong,
            Strength::Medium => self.medium,
            Strength::Weak => self.weak,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Recommend {
    pub barriers_from: Level,
    pub partners_from: Level,
    pub questions_max: u32,
}

/// Where an item was defined: file name and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    pub file: String,
    pub line: usize,
}

/// A loaded, checked library. Build it with [`crate::embedded`] or [`crate::load_dir`].
#[derive(Debug, Clone)]
pub struct Library {
    pub meta: LibraryMeta,
    /// SHA-256 over the library files (names and bytes, sorted by name), hex.
    pub content_hash: String,
    pub contexts: Vec<Context>,
    pub phenomena: Vec<Phenomenon>,
    pub stages: Vec<Stage>,
    pub dimensions: Vec<Dimension>,
    pub indicators: Vec<Indicator>,
    pub barriers: Vec<Barrier>,
    pub partners: Vec<Partner>,
    pub dimension_rules: Vec<DimensionRule>,
    pub level_rules: Vec<LevelRule>,
    pub scoring: Scoring,
    pub recommend: Recommend,
    pub(crate) origins: HashMap<(&'static str, String), Origin>,
    pub(crate) compiled: crate::engine::Compiled,
}

/// Items of the library that `show` can find by id.
#[derive(Debug, Clone, Copy)]
pub enum Item<'a> {
    Indicator(&'a Indicator),
    Barrier(&'a Barrier),
    Partner(&'a Partner),
    Phenomenon(&'a Phenomenon),
    Stage(&'a Stage),
    Dimension(&'a Dimension),
    Context(&'a Context),
    DimensionRule(&'a DimensionRule),
    LevelRule(&'a LevelRule),
}

impl Item<'_> {
    pub fn kind(&self) -> &'static str {
        match self {
            Item::Indicator(_) => "indicator",
            Item::Barrier(_) => "barrier",
            Item::Partner(_) => "partner",
            Item::Phenomenon(_) => "phenomenon",
            Item::Stage(_) => "stage",
            Item::Dimension(_) => "dimension",
            Item::Context(_) => "context",
            Item::DimensionRule(_) => "dimension_rule",
            Item::LevelRule(_) => "level_rule",
        }
    }
}

impl Library {
    pub fn indicator(&self, id: &str) -> Option<&Indicator> {
        self.compiled
            .indicator_index
            .get(id)
            .and_then(|&i| self.indicators.get(i))
    }

    pub fn phenomenon(&self, id: &str) -> Option<&Phenomenon> {
        self.phenomena.iter().find(|p| p.id == id)
    }

    /// File and line where an item of `kind` (see [`Item::kind`]) was defined.
    pub fn origin(&self, kind: &'static str, id: &str) -> Option<&Origin> {
        self.origins.get(&(kind, id.to_string()))
    }

    /// Find any item by id (indicators first, then barriers, partners, …).
    pub fn find(&self, id: &str) -> Option<Item<'_>> {
        if let Some(i) = self.indicator(id) {
            return Some(Item::Indicator(i));
        }
        let found = self
            .barriers
            .iter()
            .find(|x| x.id == id)
            .map(Item::Barrier)
            .or_else(|| self.partners.iter().find(|x| x.id == id).map(Item::Partner))
            .or_else(|| self.phenomenon(id).map(Item::Phenomenon))
            .or_else(|| self.stages.iter().find(|x| x.id == id).map(Item::Stage))
            .or_else(|| {
                self.dimensions
                    .iter()
                    .find(|x| x.id == id)
                    .map(Item::Dimension)
            })
            .or_else(|| self.contexts.iter().find(|x| x.id == id).map(Item::Context))
            .or_else(|| {
                self.dimension_rules
                    .iter()
                    .find(|x| x.id == id)
                    .map(Item::DimensionRule)
            })
            .or_else(|| {
                self.level_rules
                    .iter()
                    .find(|x| x.id == id)
                    .map(Item::LevelRule)
            });
        found
    }

    /// Indicators seen in `context`, grouped by stage in stage order; within a
    /// stage in library order. This is what an intake form shows.
    pub fn indicators_for_context(&self, context: &str) -> Vec<(&Stage, Vec<&Indicator>)> {
        let mut stages: Vec<&Stage> = self.stages.iter().collect();
        stages.sort_by_key(|s| s.order);
        stages
            .into_iter()
            .map(|s| {
                let list = self
                    .indicators
                    .iter()
                    .filter(|i| i.stage == s.id && i.contexts.iter().any(|c| c == context))
                    .collect();
                (s, list)
            })
            .filter(|(_, l): &(&Stage, Vec<&Indicator>)| !l.is_empty())
            .collect()
    }
}
