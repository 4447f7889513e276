//! Engine behaviour beyond the vignettes: input errors, versioning, diff and
//! re-reading, and properties that must hold for any input.

use baken_indicators::{
    diff_libraries, embedded, embedded_sources, load_sources, reread, Answer, AssessmentInput,
    Level, Library, Observation, Subject, OBSERVATIONS_MAX,
};
use proptest::prelude::*;

fn obs(id: &str, answer: Answer) -> Observation {
    Observation {
        indicator: id.into(),
        answer,
    }
}

fn input(subject: Subject, list: Vec<Observation>) -> AssessmentInput {
    AssessmentInput {
        subject,
        context: Some("registration_desk".into()),
        language: None,
        observations: list,
    }
}

/// The shipped library with one file's text changed.
fn modified(file: &str, from: &str, to: &str) -> Library {
    let mut sources = embedded_sources();
    let s = sources.iter_mut().find(|s| s.name == file).expect("file");
    assert!(s.text.contains(from), "{from}");
    s.text = s.text.replacen(from, to, 1);
    load_sources(sources).expect("still valid")
}

#[test]
fn input_errors_name_what_and_where() {
    let lib = embedded().expect("lib");
    let mut i = input(
        Subject::Adult,
        vec![obs("IDR-01", Answer::Yes), obs("NOPE-1", Answer::No)],
    );
    i.context = Some("moon".into());
    i.language = Some("de".into());
    let e = lib.assess(&i).expect_err("invalid");
    let paths: Vec<&str> = e.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["context", "language", "observations[1].indicator"]);
    assert!(e.to_string().contains("unknown indicator 'NOPE-1'"));

    let many = input(
        Subject::Adult,
        (0..=OBSERVATIONS_MAX)
            .map(|_| obs("IDR-01", Answer::Yes))
            .collect(),
    );
    assert_eq!(
        lib.assess(&many).expect_err("too many").problems[0].path,
        "observations"
    );
}

#[test]
fn reading_carries_library_version_and_hash() {
    let lib = embedded().expect("lib");
    let r = lib
        .assess(&input(Subject::Adult, vec![obs("IDR-01", Answer::Yes)]))
        .expect("ok");
    assert_eq!(r.library.version, lib.meta.version);
    assert_eq!(r.library.content_hash, lib.content_hash);
    assert_eq!(r.library.content_hash.len(), 64);
    assert_eq!(r.language, "en");
    let json = serde_json::to_value(&r).expect("json");
    for key in [
        "library",
        "subject",
        "highest_level",
        "contradictions",
        "phenomena",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
}

#[test]
fn any_change_to_the_files_changes_the_hash() {
    let a = embedded().expect("lib");
    let b = modified("stages.toml", "Huisvesting", "Woonruimte");
    assert_ne!(a.content_hash, b.content_hash);
    assert_eq!(a.content_hash, embedded().expect("lib").content_hash);
}

#[test]
fn diff_names_changed_items_and_rereads_stored_inputs() {
    let old = embedded().expect("lib");
    let new = modified(
        "rules.toml",
        "id = \"TRF-WEAK\"\nrule_set = \"trafficking\"\nlevel = \"weak\"\nscore_min = 2",
        "id = \"TRF-WEAK\"\nrule_set = \"trafficking\"\nlevel = \"weak\"\nscore_min = 3",
    );
    let d = diff_libraries(&old, &new);
    assert_eq!(d.kinds.len(), 1);
    assert_eq!(d.kinds[0].0, "level_rule");
    assert_eq!(d.kinds[0].1.changed, ["TRF-WEAK"]);

    let stored = vec![
        // One medium indicator: weak before (score 2), none after (score < 3).
        input(Subject::Adult, vec![obs("IDR-02", Answer::Yes)]),
        // An indicator that only points strongly (sexual exploitation): weak both times.
        input(Subject::Adult, vec![obs("WRK-16", Answer::Yes)]),
    ];
    let changes = reread(&old, &new, &stored);
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].index, 0);
    let lab = changes[0]
        .changes
        .iter()
        .find(|c| c.phenomenon == "labour_exploitation")
        .expect("labour changed");
    assert_eq!(lab.old_level, Some(Level::Weak));
    assert_eq!(lab.new_level, Some(Level::None));
}

#[test]
fn removed_indicator_makes_an_old_input_unreadable_not_silently_different() {
    let old = embedded().expect("lib");
    // Rename the id everywhere it occurs in its own file and in barriers.
    let mut sources = embedded_sources();
    for s in &mut sources {
        s.text = s.text.replace("\"IDR-12\"", "\"IDR-12B\"");
    }
    let new = load_sources(sources).expect("valid");
    let d = diff_libraries(&old, &new);
    let ind = &d
        .kinds
        .iter()
        .find(|(k, _)| k == "indicator")
        .expect("indicators")
        .1;
    assert_eq!(ind.added, ["IDR-12B"]);
    assert_eq!(ind.removed, ["IDR-12"]);
    let changes = reread(
        &old,
        &new,
        &[input(Subject::Adult, vec![obs("IDR-12", Answer::Yes)])],
    );
    assert!(changes[0].error.as_deref().unwrap_or("").contains("IDR-12"));
}

#[test]
fn unresolved_answers_come_first_among_equal_questions() {
    let lib = embedded().expect("lib");
    let r = lib
        .assess(&input(
            Subject::Adult,
            vec![
                obs("IDR-02", Answer::Yes),
                obs("IDR-01", Answer::Yes),
                obs("IDR-01", Answer::No),
            ],
        ))
        .expect("ok");
    let lab = r.phenomenon("labour_exploitation").expect("lab");
    assert_eq!(lab.open_questions[0].indicator, "IDR-01");
    assert!(lab.open_questions[0].unresolved);
    assert!(lab.open_questions.len() <= 3);
    assert!(!lab.indicators.contains(&"IDR-01"));
}

#[test]
fn indicators_for_minors_count_when_the_age_is_unknown() {
    let lib = embedded().expect("lib");
    let r = lib
        .assess(&input(Subject::Unknown, vec![obs("WRK-18", Answer::Yes)]))
        .expect("ok");
    assert!(r.contradictions.is_empty());
    assert_eq!(r.observed_yes, ["WRK-18"]);
}

/// Loaded once: the property tests run hundreds of cases.
fn shared() -> &'static Library {
    static LIB: std::sync::OnceLock<Library> = std::sync::OnceLock::new();
    LIB.get_or_init(|| embedded().expect("lib"))
}

fn ids(lib: &Library) -> Vec<String> {
    lib.indicators.iter().map(|i| i.id.clone()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Any mix of known indicators and answers is read without error, and the
    /// same input always gives the same JSON.
    #[test]
    fn any_input_reads_deterministically(
        picks in proptest::collection::vec((0usize..1000, 0u8..3), 0..40),
        subject in 0u8..3,
    ) {
        let lib = shared();
        let all = ids(lib);
        let subject = [Subject::Adult, Subject::Minor, Subject::Unknown][subject as usize];
        let list = picks.iter().map(|(i, a)| obs(&all[i % all.len()], [Answer::Yes, Answer::No, Answer::Unknown][*a as usize])).collect();
        let i = input(subject, list);
        let a = serde_json::to_string(&lib.assess(&i).expect("valid")).expect("json");
        let b = serde_json::to_string(&lib.assess(&i).expect("valid")).expect("json");
        prop_assert_eq!(a, b);
    }

    /// Adding one more "yes" never lowers any level, as long as it creates no
    /// contradiction (the library's mutually exclusive pairs and minors-only
    /// indicators are left out of this property).
    #[test]
    fn another_yes_never_lowers_a_level(
        picks in proptest::collection::vec(0usize..1000, 0..15),
        extra in 0usize..1000,
        subject in 0u8..3,
    ) {
        let lib = shared();
        let safe: Vec<String> = lib
            .indicators
            .iter()
            .filter(|i| i.contradicts.is_empty() && !lib.indicators.iter().any(|j| j.contradicts.contains(&i.id)))
            .filter(|i| i.only_for.is_none())
            .map(|i| i.id.clone())
            .collect();
        let subject = [Subject::Adult, Subject::Minor, Subject::Unknown][subject as usize];
        let base: Vec<Observation> = picks.iter().map(|i| obs(&safe[i % safe.len()], Answer::Yes)).collect();
        let mut more = base.clone();
        more.push(obs(&safe[extra % safe.len()], Answer::Yes));
        let a = lib.assess(&input(subject, base)).expect("valid");
        let b = lib.assess(&input(subject, more)).expect("valid");
        for (pa, pb) in a.phenomena.iter().zip(&b.phenomena) {
            prop_assert!(pb.level >= pa.level, "{}: {:?} -> {:?}", pa.phenomenon, pa.level, pb.level);
        }
    }
}
