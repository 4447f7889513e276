//! Loading the learning content: practice cases, the module index and lessons.

use std::collections::BTreeMap;

use baken_indicators::{Level, Subject, Text};
use serde::{Deserialize, Serialize};

use crate::check::Problem;

/// The languages every text must be present in.
pub const LANGUAGES: [&str; 3] = ["nl", "en", "fr"];

/// What the learner should do after what they saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Nothing points to exploitation: no signal.
    Nothing,
    /// Record a signal for the trafficking coordinator.
    RecordSignal,
    /// Acute danger: call the police now, then record.
    CallPolice,
}

impl Action {
    pub const ALL: [Action; 3] = [Action::Nothing, Action::RecordSignal, Action::CallPolice];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Nothing => "nothing",
            Action::RecordSignal => "record_signal",
            Action::CallPolice => "call_police",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

fn adult() -> Subject {
    Subject::Adult
}

/// One practice case: a scenario in words and the answer a trained observer gives.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub id: String,
    /// A context id of the indicator library (where the learner meets the scene).
    pub context: String,
    #[serde(default = "adult")]
    pub subject: Subject,
    /// The indicators a trained observer ticks, in the order they appear.
    pub indicators: Vec<String>,
    /// The engine's highest level for those indicators.
    pub level: Level,
    /// The phenomena at that level (empty when the level is none).
    #[serde(default)]
    pub phenomena: Vec<String>,
    pub action: Action,
    pub title: Text,
    pub scenario: Text,
    /// Where the case was read from (set by the loader).
    #[serde(skip)]
    pub file: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(rename = "case", default)]
    cases: Vec<Case>,
}

/// A module: one lesson for one audience, ending in a practice case.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Module {
    pub id: String,
    /// Who the module is for: desk_staff, inspection, neighbourhood, trainers.
    pub audience: String,
    /// The practice case the lesson ends in.
    pub case: String,
    pub title: Text,
    pub summary: Text,
    /// Lesson Markdown per language (set by the loader).
    #[serde(skip)]
    pub lessons: BTreeMap<String, String>,
}

impl Module {
    /// The lesson in `lang`, falling back to English.
    pub fn lesson(&self, lang: &str) -> &str {
        self.lessons
            .get(lang)
            .or_else(|| self.lessons.get("en"))
            .map_or("", String::as_str)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ModuleIndex {
    #[serde(rename = "module", default)]
    modules: Vec<Module>,
}

/// All learning content.
#[derive(Debug, Clone, Default)]
pub struct Content {
    pub cases: Vec<Case>,
    pub modules: Vec<Module>,
}

impl Content {
    pub fn case(&self, id: &str) -> Option<&Case> {
        self.cases.iter().find(|c| c.id == id)
    }
    pub fn module(&self, id: &str) -> Option<&Module> {
        self.modules.iter().find(|m| m.id == id)
    }
}

/// The raw texts content is loaded from.
pub struct Source<'a> {
    /// (file name, TOML) per case file.
    pub case_files: Vec<(&'a str, &'a str)>,
    pub module_index: &'a str,
    /// (module id, language, Markdown).
    pub lessons: Vec<(&'a str, &'a str, &'a str)>,
}

/// Parse content; files that do not parse are reported and left out.
pub fn load(src: &Source<'_>) -> (Content, Vec<Problem>) {
    let mut problems = Vec::new();
    let mut content = Content::default();
    for (name, text) in &src.case_files {
        match toml::from_str::<CaseFile>(text) {
            Ok(f) => content.cases.extend(f.cases.into_iter().map(|mut c| {
                c.file = format!("learning/cases/{name}");
                c
            })),
            Err(e) => problems.push(Problem::new(
                format!("learning/cases/{name}"),
                e.message().to_string(),
            )),
        }
    }
    match toml::from_str::<ModuleIndex>(src.module_index) {
        Ok(ix) => content.modules = ix.modules,
        Err(e) => problems.push(Problem::new(
            "learning/modules/index.toml".into(),
            e.message().to_string(),
        )),
    }
    for (module, lang, text) in &src.lessons {
        if let Some(m) = content.modules.iter_mut().find(|m| m.id == *module) {
            m.lessons.insert((*lang).to_string(), (*text).to_string());
        } else {
            problems.push(Problem::new(
                format!("learning/modules/{module}/{lang}.md"),
                "lesson for a module that is not in index.toml".into(),
            ));
        }
    }
    (content, problems)
}

/// The content shipped with this build, and any problem loading it.
pub fn embedded() -> (Content, Vec<Problem>) {
    load(&Source {
        case_files: crate::CASE_FILES.to_vec(),
        module_index: crate::MODULE_INDEX,
        lessons: crate::LESSON_FILES.to_vec(),
    })
}
