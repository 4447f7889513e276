//! A learner's answer to a practice case against the expected answer.

use baken_indicators::{InputError, Level, Library, Strength};
use serde::Serialize;

use crate::check::{input_for, reading_summary};
use crate::content::{Action, Case};

/// How the learner's tick compares with the expected answer for one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Ticked, and expected.
    Agreed,
    /// Expected but not ticked.
    Missed,
    /// Ticked but not in the scenario.
    Extra,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Agreed => "agreed",
            Verdict::Missed => "missed",
            Verdict::Extra => "extra",
        }
    }
}

/// One indicator in the comparison, with the library's words to explain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorDiff {
    pub indicator: String,
    pub verdict: Verdict,
    pub label: String,
    /// What to look for (the library's explanation of the indicator).
    pub look_for: String,
    /// The learning card the indicator refers to.
    pub card: String,
    /// The phenomenon this indicator points to most strongly, and how strongly.
    pub strongest: Option<(String, Strength)>,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub case: String,
    /// Expected indicators in case order, then the learner's extra ticks.
    pub items: Vec<IndicatorDiff>,
    pub expected_level: Level,
    pub expected_phenomena: Vec<String>,
    /// The engine's reading of the learner's ticks.
    pub learner_level: Level,
    pub learner_phenomena: Vec<String>,
    pub expected_action: Action,
    pub learner_action: Action,
    /// Percentage of indicators and the action judged alike.
    pub score: u32,
}

impl Comparison {
    pub fn action_agreed(&self) -> bool {
        self.expected_action == self.learner_action
    }
    /// True when nothing differs.
    pub fn perfect(&self) -> bool {
        self.action_agreed() && self.items.iter().all(|i| i.verdict == Verdict::Agreed)
    }
    pub fn differences(&self) -> impl Iterator<Item = &IndicatorDiff> {
        self.items.iter().filter(|i| i.verdict != Verdict::Agreed)
    }
}

/// Compare the learner's ticked indicators and chosen action with the case.
/// Texts are in `lang`. Fails when a ticked id is not in the library.
pub fn compare(
    lib: &Library,
    case: &Case,
    ticked: &[String],
    action: Action,
    lang: &str,
) -> Result<Comparison, InputError> {
    let mut ticked_unique: Vec<String> = Vec::new();
    for t in ticked {
        if !ticked_unique.contains(t) {
            ticked_unique.push(t.clone());
        }
    }
    let learner = lib.assess(&input_for(case, &ticked_unique, lang))?;
    let (learner_level, learner_phenomena) = reading_summary(&learner);
    let expected = lib.assess(&input_for(case, &case.indicators, lang))?;
    let (expected_level, expected_phenomena) = reading_summary(&expected);

    let diff = |id: &str, verdict: Verdict| {
        let ind = lib.indicator(id);
        IndicatorDiff {
            indicator: id.to_string(),
            verdict,
            label: ind.map_or("", |i| i.label.get(lang)).to_string(),
            look_for: ind.map_or("", |i| i.look_for.get(lang)).to_string(),
            card: ind.map_or("", |i| i.card.as_str()).to_string(),
            strongest: ind.and_then(|i| {
                let link = i.phenomena.iter().max_by_key(|l| l.strength)?;
                Some((link.phenomenon.clone(), link.strength))
            }),
        }
    };
    let mut items: Vec<IndicatorDiff> = case
        .indicators
        .iter()
        .map(|id| {
            let v = if ticked_unique.contains(id) {
                Verdict::Agreed
            } else {
                Verdict::Missed
            };
            diff(id, v)
        })
        .collect();
    items.extend(
        ticked_unique
            .iter()
            .filter(|t| !case.indicators.contains(t))
            .map(|t| diff(t, Verdict::Extra)),
    );
    let alike = items
        .iter()
        .filter(|i| i.verdict == Verdict::Agreed)
        .count()
        + usize::from(action == case.action);
    let total = items.len() + 1;
    let score = u32::try_from(alike * 100 / total).unwrap_or(0);
    Ok(Comparison {
        case: case.id.clone(),
        items,
        expected_level,
        expected_phenomena,
        learner_level,
        learner_phenomena,
        expected_action: case.action,
        learner_action: action,
        score,
    })
}
