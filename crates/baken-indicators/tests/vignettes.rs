//! Vignette corpus: each file in tests/vignettes/ is a situation in words, the
//! observations, and the expected reading — the level per phenomenon (any not
//! listed must read "none") and the reasons: every rule that fired, per
//! phenomenon, as `RULE` or `RULE@DIMENSION`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use baken_indicators::{
    embedded, Answer, AssessmentInput, Level, Library, Observation, Reading, Subject,
};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Vignette {
    situation: String,
    subject: Subject,
    context: String,
    #[serde(default)]
    yes: Vec<String>,
    #[serde(default)]
    no: Vec<String>,
    #[serde(default)]
    unknown: Vec<String>,
    /// Answered both yes and no (two records that disagree).
    #[serde(default)]
    both: Vec<String>,
    expect: Expect,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    #[serde(default)]
    contradictions: Vec<String>,
    levels: BTreeMap<String, Level>,
    #[serde(default)]
    rules: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    questions: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    level_if_minor: BTreeMap<String, Level>,
    #[serde(default)]
    partners: BTreeMap<String, Vec<String>>,
}

fn vignettes() -> Vec<(String, Vignette)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vignettes");
    let mut out: Vec<(String, Vignette)> = std::fs::read_dir(&dir)
        .expect("vignette dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("read");
            let v: Vignette =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn input_of(v: &Vignette) -> AssessmentInput {
    let mut observations = Vec::new();
    let mut push = |ids: &[String], answer| {
        for id in ids {
            observations.push(Observation {
                indicator: id.clone(),
                answer,
            })
        }
    };
    push(&v.yes, Answer::Yes);
    push(&v.no, Answer::No);
    push(&v.unknown, Answer::Unknown);
    push(&v.both, Answer::Yes);
    push(&v.both, Answer::No);
    AssessmentInput {
        subject: v.subject,
        context: Some(v.context.clone()),
        language: Some("en".into()),
        observations,
    }
}

fn reasons(r: &Reading, phen: &str) -> Vec<String> {
    r.phenomenon(phen)
        .map(|p| {
            p.fired_rules
                .iter()
                .map(|f| match &f.dimension {
                    Some(d) => format!("{}@{}", f.rule, d),
                    None => f.rule.to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn check(lib: &Library, name: &str, v: &Vignette) -> Vec<String> {
    let mut errs = Vec::new();
    assert!(!v.situation.trim().is_empty(), "{name}: no situation");
    let r = match lib.assess(&input_of(v)) {
        Ok(r) => r,
        Err(e) => return vec![format!("input rejected: {e}")],
    };
    for p in &r.phenomena {
        let want = v
            .expect
            .levels
            .get(p.phenomenon)
            .copied()
            .unwrap_or(Level::None);
        if p.level != want {
            errs.push(format!(
                "{}: level {:?}, expected {:?}",
                p.phenomenon, p.level, want
            ));
        }
        let got = reasons(&r, p.phenomenon);
        match v.expect.rules.get(p.phenomenon) {
            Some(w) if *w != got => errs.push(format!(
                "{}: rules {:?}, expected {:?}",
                p.phenomenon, got, w
            )),
            None if !got.is_empty() => errs.push(format!(
                "{}: rules {:?} fired but none expected; add:\n{} = {:?}",
                p.phenomenon, got, p.phenomenon, got
            )),
            _ => {}
        }
        if let Some(w) = v.expect.questions.get(p.phenomenon) {
            let got: Vec<&str> = p.open_questions.iter().map(|q| q.indicator).collect();
            if got.len() < w.len()
                || got[..w.len()] != w.iter().map(String::as_str).collect::<Vec<_>>()[..]
            {
                errs.push(format!(
                    "{}: questions {:?}, expected to start with {:?}",
                    p.phenomenon, got, w
                ));
            }
        }
        if let Some(w) = v.expect.level_if_minor.get(p.phenomenon) {
            if p.level_if_minor != Some(*w) {
                errs.push(format!(
                    "{}: level_if_minor {:?}, expected {:?}",
                    p.phenomenon, p.level_if_minor, w
                ));
            }
        }
        if let Some(w) = v.expect.partners.get(p.phenomenon) {
            if p.partners != *w {
                errs.push(format!(
                    "{}: partners {:?}, expected {:?}",
                    p.phenomenon, p.partners, w
                ));
            }
        }
    }
    for k in v.expect.levels.keys().chain(v.expect.rules.keys()) {
        if r.phenomenon(k).is_none() {
            errs.push(format!("unknown phenomenon {k} in expectations"));
        }
    }
    let kinds: Vec<String> = r
        .contradictions
        .iter()
        .map(|c| {
            serde_json::to_value(c.kind)
                .expect("json")
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    if kinds != v.expect.contradictions {
        errs.push(format!(
            "contradictions {:?}, expected {:?}",
            kinds, v.expect.contradictions
        ));
    }
    errs
}

#[test]
fn every_vignette_reads_as_expected_with_its_reasons() {
    let lib = embedded().expect("library");
    let all = vignettes();
    let mut failed = Vec::new();
    for (name, v) in &all {
        let errs = check(&lib, name, v);
        if !errs.is_empty() {
            failed.push(format!("== {name}\n{}", errs.join("\n")));
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} vignettes failed:\n{}",
        failed.len(),
        all.len(),
        failed.join("\n")
    );
}

#[test]
fn the_corpus_is_broad_enough() {
    let lib = embedded().expect("library");
    let all = vignettes();
    assert!(all.len() >= 40, "{} vignettes", all.len());
    for p in &lib.phenomena {
        for level in [Level::Weak, Level::Possible] {
            assert!(
                all.iter()
                    .any(|(_, v)| v.expect.levels.get(&p.id).is_some_and(|l| *l >= level)),
                "no vignette reaches {level:?} for {}",
                p.id
            );
        }
    }
    for s in [Subject::Adult, Subject::Minor, Subject::Unknown] {
        assert!(all.iter().any(|(_, v)| v.subject == s), "{s:?}");
    }
    assert!(all.iter().any(|(_, v)| !v.both.is_empty()));
    assert!(all.iter().any(|(_, v)| v
        .expect
        .contradictions
        .iter()
        .any(|k| k == "contradicting_indicators")));
    assert!(all
        .iter()
        .any(|(_, v)| v.expect.contradictions.iter().any(|k| k == "wrong_subject")));
    for (name, v) in &all {
        assert!(
            v.expect
                .levels
                .iter()
                .all(|(k, _)| v.expect.levels.len() <= 9 && !k.is_empty()),
            "{name}"
        );
    }
}

#[test]
fn readings_are_deterministic() {
    let lib = embedded().expect("library");
    for (name, v) in vignettes() {
        let a = serde_json::to_string(&lib.assess(&input_of(&v)).expect("ok")).expect("json");
        let b = serde_json::to_string(&lib.assess(&input_of(&v)).expect("ok")).expect("json");
        assert_eq!(a, b, "{name}");
    }
}
