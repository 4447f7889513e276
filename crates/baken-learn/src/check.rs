//! The content check: everything that can be wrong with lessons and cases.

use std::collections::BTreeSet;
use std::fmt;

use baken_indicators::{
    Answer, AssessmentInput, Item, Level, Library, Observation, Reading, Subject, Text,
};

use crate::content::{Action, Case, Content, LANGUAGES};
use crate::privacy;

/// One content problem: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: String,
    pub message: String,
}

impl Problem {
    pub fn new(place: String, message: String) -> Problem {
        Problem { place, message }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// The engine's highest level for `reading` and the phenomena at that level
/// (none when the level is none), in library order.
pub fn reading_summary(reading: &Reading<'_>) -> (Level, Vec<String>) {
    let level = reading.highest_level;
    let phenomena = if level == Level::None {
        Vec::new()
    } else {
        reading
            .phenomena
            .iter()
            .filter(|p| p.level == level)
            .map(|p| p.phenomenon.to_string())
            .collect()
    };
    (level, phenomena)
}

/// The assessment input for `indicators` answered yes in the case's context.
pub(crate) fn input_for(case: &Case, indicators: &[String], lang: &str) -> AssessmentInput {
    yes_input(case.subject, &case.context, indicators, lang)
}

/// The engine's input for a scenario: `indicators` answered yes in `context`.
pub fn yes_input(
    subject: Subject,
    context: &str,
    indicators: &[String],
    lang: &str,
) -> AssessmentInput {
    AssessmentInput {
        subject,
        context: Some(context.to_string()),
        language: Some(lang.to_string()),
        observations: indicators
            .iter()
            .map(|i| Observation {
                indicator: i.clone(),
                answer: Answer::Yes,
            })
            .collect(),
    }
}

fn languages(place: &str, what: &str, text: &Text, out: &mut Vec<Problem>) {
    for lang in LANGUAGES {
        if text.find(lang).is_none_or(|t| t.trim().is_empty()) {
            out.push(Problem::new(
                place.to_string(),
                format!("{what} has no text in '{lang}'"),
            ));
        }
    }
}

fn private(place: &str, what: &str, text: &str, out: &mut Vec<Problem>) {
    for f in privacy::scan(text) {
        out.push(Problem::new(
            place.to_string(),
            format!(
                "{what} contains what looks like personal data ({}): '{}'",
                f.kind.as_str(),
                text.get(f.span.clone()).unwrap_or("")
            ),
        ));
    }
}

fn check_case(lib: &Library, case: &Case, out: &mut Vec<Problem>) {
    let place = format!("{}: case {}", case.file, case.id);
    languages(&place, "title", &case.title, out);
    languages(&place, "scenario", &case.scenario, out);
    for (lang, t) in case.title.iter().chain(case.scenario.iter()) {
        private(&place, &format!("text ({lang})"), t, out);
    }
    if !lib.contexts.iter().any(|c| c.id == case.context) {
        out.push(Problem::new(
            place.clone(),
            format!("unknown context '{}'", case.context),
        ));
        return;
    }
    let mut seen = BTreeSet::new();
    let mut broken = false;
    for id in &case.indicators {
        if !seen.insert(id) {
            out.push(Problem::new(
                place.clone(),
                format!("indicator {id} listed twice"),
            ));
        }
        match lib.indicator(id) {
            None => {
                broken = true;
                out.push(Problem::new(
                    place.clone(),
                    format!("unknown indicator '{id}'"),
                ));
            }
            Some(i) if !i.contexts.contains(&case.context) => out.push(Problem::new(
                place.clone(),
                format!(
                    "indicator {id} is not shown in context '{}', so the learner cannot tick it",
                    case.context
                ),
            )),
            Some(i) if i.only_for.is_some_and(|s| s != case.subject) => out.push(Problem::new(
                place.clone(),
                format!(
                    "indicator {id} only applies to a {}",
                    i.only_for.map_or("", Subject::as_str)
                ),
            )),
            Some(_) => {}
        }
    }
    for p in &case.phenomena {
        if lib.phenomenon(p).is_none() {
            broken = true;
            out.push(Problem::new(
                place.clone(),
                format!("unknown phenomenon '{p}'"),
            ));
        }
    }
    match (case.level, case.action) {
        (Level::None, Action::RecordSignal | Action::CallPolice) => out.push(Problem::new(
            place.clone(),
            "expected level is none but the expected action is not 'nothing'".into(),
        )),
        (Level::Possible | Level::Strong, Action::Nothing) => out.push(Problem::new(
            place.clone(),
            "expected level is possible or strong but the expected action is 'nothing'".into(),
        )),
        _ => {}
    }
    if broken {
        return;
    }
    match lib.assess(&input_for(case, &case.indicators, "en")) {
        Err(e) => out.push(Problem::new(place, format!("engine refuses the case: {e}"))),
        Ok(reading) => {
            let (level, phenomena) = reading_summary(&reading);
            if level != case.level {
                out.push(Problem::new(
                    place.clone(),
                    format!(
                        "expected level {} but the engine reads {}",
                        case.level.as_str(),
                        level.as_str()
                    ),
                ));
            }
            let want: BTreeSet<&str> = case.phenomena.iter().map(String::as_str).collect();
            let got: BTreeSet<&str> = phenomena.iter().map(String::as_str).collect();
            if want != got {
                out.push(Problem::new(
                    place,
                    format!(
                        "expected phenomena [{}] but the engine reads [{}] at level {}",
                        want.into_iter().collect::<Vec<_>>().join(", "),
                        got.into_iter().collect::<Vec<_>>().join(", "),
                        level.as_str()
                    ),
                ));
            }
        }
    }
}

/// The `[[…]]` references in a lesson, with their byte offsets.
pub(crate) fn references(markdown: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut rest = markdown;
    let mut base = 0;
    while let Some(start) = rest.find("[[") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("]]") else { break };
        out.push((base + start, &after[..end]));
        let consumed = start + 2 + end + 2;
        base += consumed;
        rest = &rest[consumed..];
    }
    out
}

fn check_lesson(
    lib: &Library,
    content: &Content,
    module: &crate::Module,
    lang: &str,
    out: &mut Vec<Problem>,
) {
    let place = format!("learning/modules/{}/{lang}.md", module.id);
    let Some(text) = module.lessons.get(lang).filter(|t| !t.trim().is_empty()) else {
        out.push(Problem::new(place, "lesson missing or empty".into()));
        return;
    };
    for (_, r) in references(text) {
        if let Some(case) = r.strip_prefix("case:") {
            if content.case(case).is_none() {
                out.push(Problem::new(
                    place.clone(),
                    format!("link to unknown case '{case}'"),
                ));
            }
            continue;
        }
        match lib.find(r) {
            Some(Item::Indicator(_) | Item::Barrier(_)) => {}
            _ => out.push(Problem::new(
                place.clone(),
                format!("link to unknown indicator or barrier '{r}'"),
            )),
        }
    }
    let last = text.lines().rev().find(|l| !l.trim().is_empty());
    let want = format!("[[case:{}]]", module.case);
    if last.is_none_or(|l| !l.contains(&want)) {
        out.push(Problem::new(
            place.clone(),
            format!("lesson does not end in its practice case {want}"),
        ));
    }
    private(&place, "lesson", text, out);
}

/// Every problem of the content against `lib`; empty when all is well.
pub fn check(content: &Content, lib: &Library) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut ids = BTreeSet::new();
    for case in &content.cases {
        if !ids.insert(case.id.as_str()) {
            out.push(Problem::new(
                case.file.clone(),
                format!("case id '{}' used twice", case.id),
            ));
        }
        check_case(lib, case, &mut out);
    }
    let mut ids = BTreeSet::new();
    for m in &content.modules {
        let place = format!("learning/modules/index.toml: module {}", m.id);
        if !ids.insert(m.id.as_str()) {
            out.push(Problem::new(place.clone(), "module id used twice".into()));
        }
        languages(&place, "title", &m.title, &mut out);
        languages(&place, "summary", &m.summary, &mut out);
        if content.case(&m.case).is_none() {
            out.push(Problem::new(
                place.clone(),
                format!("unknown practice case '{}'", m.case),
            ));
        }
        for lang in LANGUAGES {
            check_lesson(lib, content, m, lang, &mut out);
        }
    }
    out
}
