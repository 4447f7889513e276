//! `baken indicators …` and `baken assess …` end to end, through the real binary.

mod repo;

use repo::{baken, root, text};
use std::path::PathBuf;

fn tmp_file(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("baken-indicators-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let p = dir.join(name);
    std::fs::write(&p, content).expect("write");
    p
}

#[test]
fn check_passes_on_the_shipped_library() {
    for args in [
        vec!["indicators", "check"],
        vec!["indicators", "check", "indicators"],
    ] {
        let out = baken(&args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stdout).starts_with("ok: library baken-core"));
    }
}

#[test]
fn check_fails_on_each_broken_fixture_naming_file_and_line() {
    let fixtures = root().join("crates/baken-indicators/tests/fixtures");
    let mut n = 0;
    for entry in std::fs::read_dir(&fixtures).expect("fixtures") {
        let dir = entry.expect("entry").path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("broken-") {
            continue;
        }
        n += 1;
        let out = baken(&["indicators", "check", dir.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = text(&out.stderr);
        let expect = std::fs::read_to_string(dir.join("expect.txt")).expect("expect.txt");
        for want in expect.lines().filter(|l| !l.is_empty()) {
            // `file:line: item: message`; the file is printed with its directory.
            assert!(err.contains(want), "{name}: stderr lacks {want:?}:\n{err}");
        }
    }
    assert!(n >= 10);
}

#[test]
fn stats_json_shows_the_targets_in_three_languages() {
    let out = baken(&["indicators", "stats", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["counts"]["indicators"].as_u64().unwrap() >= 100);
    assert!(v["counts"]["barriers"].as_u64().unwrap() >= 25);
    for lang in ["nl", "en", "fr"] {
        assert_eq!(v["languages"][lang]["complete"], true, "{lang}");
    }
}

#[test]
fn show_prints_an_indicator_in_all_languages() {
    let out = baken(&["indicators", "show", "IDR-01"]);
    assert!(out.status.success());
    let s = text(&out.stdout);
    for lang in ["[nl]", "[en]", "[fr]"] {
        assert!(s.contains(lang), "{s}");
    }
    let out = baken(&["indicators", "show", "NOPE-1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("NOPE-1"));
}

#[test]
fn assess_prints_a_reading_with_version_and_hash() {
    let f = tmp_file(
        "ok.json",
        r#"{"subject":"adult","context":"registration_desk",
            "observations":[{"indicator":"IDR-01","answer":"yes"},{"indicator":"IDR-02","answer":"yes"}]}"#,
    );
    let out = baken(&["assess", f.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["library"]["id"], "baken-core");
    assert_eq!(v["library"]["content_hash"].as_str().unwrap().len(), 64);
    assert_eq!(v["highest_level"], "weak");
}

#[test]
fn assess_refuses_bad_input_saying_what_and_where() {
    let cases = [
        (
            "unknown.json",
            r#"{"subject":"adult","observations":[{"indicator":"XYZ-9","answer":"yes"}]}"#,
            "observations[0].indicator: unknown indicator 'XYZ-9'",
        ),
        ("malformed.json", "{\"subject\":", "malformed.json:1:"),
        (
            "types.json",
            "{\"subject\":\"adult\",\n\"observations\":[{\"indicator\":\"IDR-01\",\"answer\":\"maybe\"}]}",
            "types.json:2:",
        ),
        ("subject.json", r#"{"subject":42,"observations":[]}"#, "invalid type: integer `42`, expected a string"),
        ("answer.json", r#"{"subject":"child","observations":[]}"#, "unknown subject 'child'"),
    ];
    for (name, content, want) in cases {
        let f = tmp_file(name, content);
        let out = baken(&["assess", f.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let err = text(&out.stderr);
        assert!(err.contains(want), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}");
    }
}

#[test]
fn diff_reports_changed_rules_and_changed_readings() {
    let new = std::env::temp_dir().join(format!("baken-indicators-diff-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&new);
    std::fs::create_dir_all(&new).expect("dir");
    for e in std::fs::read_dir(root().join("indicators")).expect("lib") {
        let p = e.expect("entry").path();
        let mut t = std::fs::read_to_string(&p).expect("read");
        if p.ends_with("rules.toml") {
            t = t.replace("score_min = 2\n", "score_min = 3\n");
        }
        std::fs::write(new.join(p.file_name().unwrap()), t).expect("write");
    }
    let readings = tmp_file(
        "readings.jsonl",
        "{\"subject\":\"adult\",\"observations\":[{\"indicator\":\"IDR-02\",\"answer\":\"yes\"}]}\n",
    );
    let out = baken(&[
        "indicators",
        "diff",
        "indicators",
        new.to_str().unwrap(),
        "--readings",
        readings.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.contains("level_rule changed: TRF-WEAK, REL-WEAK"), "{s}");
    assert!(s.contains("readings: 1 of 1 would read differently"), "{s}");
    assert!(s.contains("version did not"), "{s}");
}
