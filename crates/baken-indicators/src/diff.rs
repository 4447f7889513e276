//! What changed between two library versions, and which stored readings would
//! read differently under the new one.

use serde::Serialize;

use crate::engine::{AssessmentInput, Reading};
use crate::model::*;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KindDiff {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
}

impl KindDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LibraryDiff {
    pub old: crate::engine::LibraryStamp,
    pub new: crate::engine::LibraryStamp,
    /// Kind name → changes, only kinds with changes, in a fixed order.
    pub kinds: Vec<(String, KindDiff)>,
    /// True when scoring or recommendation settings changed.
    pub settings_changed: bool,
}

fn diff_items<T: PartialEq>(old: &[T], new: &[T], id: impl Fn(&T) -> &str) -> KindDiff {
    let mut d = KindDiff::default();
    for o in old {
        match new.iter().find(|n| id(n) == id(o)) {
            None => d.removed.push(id(o).to_string()),
            Some(n) if n != o => d.changed.push(id(o).to_string()),
            Some(_) => {}
        }
    }
    for n in new {
        if !old.iter().any(|o| id(o) == id(n)) {
            d.added.push(id(n).to_string());
        }
    }
    d
}

/// Added, removed and changed items per kind.
pub fn diff_libraries(old: &Library, new: &Library) -> LibraryDiff {
    let all = [
        (
            "indicator",
            diff_items(&old.indicators, &new.indicators, |x| &x.id),
        ),
        (
            "barrier",
            diff_items(&old.barriers, &new.barriers, |x| &x.id),
        ),
        (
            "partner",
            diff_items(&old.partners, &new.partners, |x| &x.id),
        ),
        (
            "phenomenon",
            diff_items(&old.phenomena, &new.phenomena, |x| &x.id),
        ),
        ("stage", diff_items(&old.stages, &new.stages, |x| &x.id)),
        (
            "dimension",
            diff_items(&old.dimensions, &new.dimensions, |x| &x.id),
        ),
        (
            "context",
            diff_items(&old.contexts, &new.contexts, |x| &x.id),
        ),
        (
            "dimension_rule",
            diff_items(&old.dimension_rules, &new.dimension_rules, |x| &x.id),
        ),
        (
            "level_rule",
            diff_items(&old.level_rules, &new.level_rules, |x| &x.id),
        ),
    ];
    LibraryDiff {
        old: old.stamp(),
        new: new.stamp(),
        kinds: all
            .into_iter()
            .filter(|(_, d)| !d.is_empty())
            .map(|(k, d)| (k.to_string(), d))
            .collect(),
        settings_changed: old.scoring != new.scoring || old.recommend != new.recommend,
    }
}

/// How one phenomenon of one stored input reads under the old and new library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhenomenonChange {
    pub phenomenon: String,
    pub old_level: Option<Level>,
    pub new_level: Option<Level>,
    pub old_rules: Vec<String>,
    pub new_rules: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadingChange {
    /// 0-based position of the input in the list given.
    pub index: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<PhenomenonChange>,
    /// Set when the input cannot be read by one of the libraries (e.g. an indicator was removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn rule_ids(r: &Reading, phen: &str) -> Vec<String> {
    r.phenomenon(phen)
        .map(|p| p.fired_rules.iter().map(|f| f.rule.to_string()).collect())
        .unwrap_or_default()
}

/// Re-read stored inputs under both libraries; return those that read differently
/// (a level or the set of fired rules changed). Old readings themselves are never
/// touched: this only reports.
pub fn reread(old: &Library, new: &Library, inputs: &[AssessmentInput]) -> Vec<ReadingChange> {
    let mut out = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let (a, b) = match (old.assess(input), new.assess(input)) {
            (Ok(a), Ok(b)) => (a, b),
            (Err(e), _) => {
                out.push(ReadingChange {
                    index,
                    changes: Vec::new(),
                    error: Some(format!("old library cannot read it: {e}")),
                });
                continue;
            }
            (_, Err(e)) => {
                out.push(ReadingChange {
                    index,
                    changes: Vec::new(),
                    error: Some(format!("new library cannot read it: {e}")),
                });
                continue;
            }
        };
        let mut ids: Vec<&str> = a.phenomena.iter().map(|p| p.phenomenon).collect();
        for p in &b.phenomena {
            if !ids.contains(&p.phenomenon) {
                ids.push(p.phenomenon);
            }
        }
        let changes: Vec<PhenomenonChange> = ids
            .into_iter()
            .filter_map(|id| {
                let ol = a.phenomenon(id).map(|p| p.level);
                let nl = b.phenomenon(id).map(|p| p.level);
                let (or, nr) = (rule_ids(&a, id), rule_ids(&b, id));
                (ol != nl || or != nr).then(|| PhenomenonChange {
                    phenomenon: id.to_string(),
                    old_level: ol,
                    new_level: nl,
                    old_rules: or,
                    new_rules: nr,
                })
            })
            .collect();
        if !changes.is_empty() {
            out.push(ReadingChange {
                index,
                changes,
                error: None,
            });
        }
    }
    out
}
