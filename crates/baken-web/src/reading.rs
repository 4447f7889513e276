//! The explained reading of a signal, from the assessment engine to what a clerk reads:
//! per phenomenon its level, the reasons (rules with the indicators that made them fire),
//! the questions worth asking next, and what the municipality can do.

use crate::i18n::Tr;
use baken_domain::signal::SignalDraft;
use baken_indicators::{Answer, AssessmentInput, Level, Library, Observation, Reading, Subject};

pub struct PhenomenonView {
    pub name: String,
    pub level: &'static str,
    pub level_label: String,
    pub reasons: Vec<String>,
    pub questions: Vec<String>,
    pub barriers: Vec<String>,
    pub partners: Vec<String>,
}

pub struct ReadingView {
    pub highest: &'static str,
    pub highest_label: String,
    pub phenomena: Vec<PhenomenonView>,
    pub contradictions: Vec<String>,
    pub yes_count: usize,
    pub library: String,
}

pub fn subject_of(draft: &SignalDraft) -> Subject {
    match draft.subject.as_str() {
        "adult" => Subject::Adult,
        "minor" => Subject::Minor,
        _ => Subject::Unknown,
    }
}

/// The engine's input for a draft: only answers to indicators the library knows.
pub fn input_of(library: &Library, draft: &SignalDraft, lang: &str) -> AssessmentInput {
    let observations = draft
        .answers
        .iter()
        .filter(|(id, _)| library.indicator(id).is_some())
        .filter_map(|(id, a)| {
            let answer = match a.as_str() {
                "yes" => Answer::Yes,
                "no" => Answer::No,
                "unknown" => Answer::Unknown,
                _ => return None,
            };
            Some(Observation {
                indicator: id.clone(),
                answer,
            })
        })
        .collect();
    let context = library
        .contexts
        .iter()
        .any(|c| c.id == draft.context)
        .then(|| draft.context.clone());
    AssessmentInput {
        subject: subject_of(draft),
        context,
        language: Some(lang.to_string()),
        observations,
    }
}

pub fn level_label(t: &Tr, level: Level) -> String {
    t.t(&format!("level-{}", level.as_str()))
}

fn label(library: &Library, id: &str, lang: &str) -> String {
    library
        .indicator(id)
        .map(|i| i.label.get(lang).to_string())
        .unwrap_or_else(|| id.to_string())
}

pub fn view(library: &Library, reading: &Reading<'_>, t: &Tr) -> ReadingView {
    let lang = t.code();
    let phenomena = reading
        .phenomena
        .iter()
        .filter(|p| p.level > Level::None)
        .map(|p| PhenomenonView {
            name: p.name.to_string(),
            level: p.level.as_str(),
            level_label: level_label(t, p.level),
            reasons: p
                .fired_rules
                .iter()
                .map(|r| {
                    let names: Vec<String> = r
                        .indicators
                        .iter()
                        .map(|i| label(library, i, lang))
                        .collect();
                    format!("{} — {}", r.explanation, names.join("; "))
                })
                .collect(),
            questions: p
                .open_questions
                .iter()
                .take(3)
                .map(|q| q.question.to_string())
                .collect(),
            barriers: p
                .barriers
                .iter()
                .take(5)
                .map(|b| b.name.to_string())
                .collect(),
            partners: p
                .partners
                .iter()
                .filter_map(|id| library.partners.iter().find(|x| x.id == *id))
                .map(|x| x.name.get(lang).to_string())
                .collect(),
        })
        .collect();
    ReadingView {
        highest: reading.highest_level.as_str(),
        highest_label: level_label(t, reading.highest_level),
        phenomena,
        contradictions: reading
            .contradictions
            .iter()
            .map(|c| c.explanation.clone())
            .collect(),
        yes_count: reading.observed_yes.len(),
        library: format!("{} {}", reading.library.id, reading.library.version),
    }
}

/// Read a draft now; invalid answers were filtered, so this cannot fail on input.
pub fn read_draft(library: &Library, draft: &SignalDraft, t: &Tr) -> ReadingView {
    let input = input_of(library, draft, t.code());
    match library.assess(&input) {
        Ok(reading) => view(library, &reading, t),
        Err(_) => ReadingView {
            highest: "none",
            highest_label: level_label(t, Level::None),
            phenomena: Vec::new(),
            contradictions: Vec::new(),
            yes_count: 0,
            library: library.meta.version.clone(),
        },
    }
}
