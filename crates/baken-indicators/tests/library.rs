//! The shipped library: loads, passes the checker, meets the size targets, and
//! the embedded copy equals the `indicators/` directory.

use std::path::PathBuf;

use baken_indicators::{embedded, load_dir, stats, EMBEDDED_FILES};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../indicators")
}

#[test]
fn shipped_library_passes_the_checker() {
    match embedded() {
        Ok(_) => {}
        Err(e) => {
            for p in e.problems() {
                eprintln!("{p}");
            }
            panic!("{e}");
        }
    }
}

#[test]
fn embedded_copy_equals_directory() {
    let from_dir = load_dir(&dir()).expect("directory loads");
    let emb = embedded().expect("embedded loads");
    assert_eq!(from_dir.content_hash, emb.content_hash);
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .expect("dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let embedded: Vec<&str> = EMBEDDED_FILES.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names, embedded,
        "add new library files to EMBEDDED_FILES in lib.rs"
    );
}

#[test]
fn sizes_and_translations_meet_the_targets() {
    let lib = embedded().expect("loads");
    let s = stats(&lib);
    assert!(s.counts["indicators"] >= 100, "{:?}", s.counts);
    assert!(s.counts["barriers"] >= 25, "{:?}", s.counts);
    for lang in ["nl", "en", "fr"] {
        assert!(
            s.languages[lang].complete,
            "{lang}: {:?}",
            s.languages[lang]
        );
    }
    for p in &lib.phenomena {
        assert!(
            s.indicators_per_phenomenon.get(&p.id).copied().unwrap_or(0) >= 3,
            "phenomenon {} has too few indicators",
            p.id
        );
    }
}

#[test]
fn every_dimension_has_indicators_and_every_stage_too() {
    let lib = embedded().expect("loads");
    for d in &lib.dimensions {
        assert!(
            lib.indicators
                .iter()
                .any(|i| i.dimension.as_deref() == Some(&d.id)),
            "{}",
            d.id
        );
    }
    for s in &lib.stages {
        assert!(lib.indicators.iter().any(|i| i.stage == s.id), "{}", s.id);
    }
}

#[test]
fn indicators_for_context_groups_by_stage_in_order() {
    let lib = embedded().expect("loads");
    let groups = lib.indicators_for_context("registration_desk");
    assert!(!groups.is_empty());
    let orders: Vec<u32> = groups.iter().map(|(s, _)| s.order).collect();
    let mut sorted = orders.clone();
    sorted.sort();
    assert_eq!(orders, sorted);
    for (s, list) in &groups {
        for i in list {
            assert_eq!(i.stage, s.id);
            assert!(i.contexts.iter().any(|c| c == "registration_desk"));
        }
    }
}
