//! Counts per kind and per language, for `baken indicators stats`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::*;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LanguageStats {
    /// Texts present and not empty in this language.
    pub present: usize,
    /// Texts that should exist in every language.
    pub expected: usize,
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub library: crate::engine::LibraryStamp,
    pub counts: BTreeMap<String, usize>,
    pub indicators_per_stage: BTreeMap<String, usize>,
    pub indicators_per_phenomenon: BTreeMap<String, usize>,
    pub languages: BTreeMap<String, LanguageStats>,
}

fn texts(lib: &Library) -> Vec<&Text> {
    let mut v: Vec<&Text> = vec![&lib.meta.title];
    v.extend(lib.contexts.iter().map(|x| &x.name));
    v.extend(lib.phenomena.iter().flat_map(|x| [&x.name, &x.description]));
    v.extend(lib.stages.iter().flat_map(|x| [&x.name, &x.description]));
    v.extend(
        lib.dimensions
            .iter()
            .flat_map(|x| [&x.name, &x.description, &x.minor_note]),
    );
    for i in &lib.indicators {
        v.push(&i.label);
        v.push(&i.look_for);
        v.extend(i.questions.iter());
    }
    v.extend(
        lib.barriers
            .iter()
            .flat_map(|x| [&x.name, &x.what, &x.instrument_nl, &x.instrument_be, &x.who]),
    );
    v.extend(lib.partners.iter().map(|x| &x.name));
    v.extend(lib.dimension_rules.iter().map(|x| &x.description));
    v.extend(lib.level_rules.iter().map(|x| &x.description));
    v
}

pub fn stats(lib: &Library) -> Stats {
    let mut counts = BTreeMap::new();
    counts.insert("contexts".into(), lib.contexts.len());
    counts.insert("phenomena".into(), lib.phenomena.len());
    counts.insert("stages".into(), lib.stages.len());
    counts.insert("dimensions".into(), lib.dimensions.len());
    counts.insert("indicators".into(), lib.indicators.len());
    counts.insert("barriers".into(), lib.barriers.len());
    counts.insert("partners".into(), lib.partners.len());
    counts.insert("dimension_rules".into(), lib.dimension_rules.len());
    counts.insert("level_rules".into(), lib.level_rules.len());
    counts.insert(
        "questions".into(),
        lib.indicators.iter().map(|i| i.questions.len()).sum(),
    );
    let mut per_stage = BTreeMap::new();
    for i in &lib.indicators {
        *per_stage.entry(i.stage.clone()).or_insert(0) += 1;
    }
    let mut per_phen = BTreeMap::new();
    for i in &lib.indicators {
        for l in &i.phenomena {
            *per_phen.entry(l.phenomenon.clone()).or_insert(0) += 1;
        }
    }
    let all = texts(lib);
    let languages = lib
        .meta
        .languages
        .iter()
        .map(|lang| {
            let present = all
                .iter()
                .filter(|t| t.find(lang).is_some_and(|s| !s.trim().is_empty()))
                .count();
            (
                lang.clone(),
                LanguageStats {
                    present,
                    expected: all.len(),
                    complete: present == all.len(),
                },
            )
        })
        .collect();
    Stats {
        library: lib.stamp(),
        counts,
        indicators_per_stage: per_stage,
        indicators_per_phenomenon: per_phen,
        languages,
    }
}
