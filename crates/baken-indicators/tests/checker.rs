//! Broken-library fixtures: every directory `tests/fixtures/broken-*` holds a
//! small library with one defect and an `expect.txt` whose lines are prefixes
//! of the problems the checker must report (`file:line: item: message`).

use std::path::{Path, PathBuf};

use baken_indicators::{check_dir, load_dir};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn rel(dir: &Path, p: &baken_indicators::Problem) -> String {
    let file = Path::new(&p.file)
        .strip_prefix(dir)
        .map(|f| f.display().to_string())
        .unwrap_or_else(|_| p.file.clone());
    format!("{file}:{}: {}: {}", p.line, p.item, p.message)
}

#[test]
fn valid_minimal_fixture_loads() {
    let dir = fixtures().join("valid-minimal");
    if let Err(e) = load_dir(&dir) {
        panic!("{e:?}");
    }
}

#[test]
fn each_broken_fixture_fails_naming_file_line_and_item() {
    let mut seen = 0;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("broken-"))
        })
        .collect();
    entries.sort();
    for dir in entries {
        seen += 1;
        let problems = check_dir(&dir).expect("readable");
        assert!(
            !problems.is_empty(),
            "{}: checker passed a broken library",
            dir.display()
        );
        let got: Vec<String> = problems.iter().map(|p| rel(&dir, p)).collect();
        let expect = std::fs::read_to_string(dir.join("expect.txt")).expect("expect.txt");
        for want in expect.lines().filter(|l| !l.trim().is_empty()) {
            assert!(
                got.iter().any(|g| g.starts_with(want)),
                "{}: expected a problem starting with\n  {want}\ngot\n  {}",
                dir.display(),
                got.join("\n  ")
            );
        }
        for p in &problems {
            assert!(p.line > 0, "{}: problem without a line: {p}", dir.display());
        }
    }
    assert!(seen >= 10, "only {seen} broken fixtures");
}

#[test]
fn duplicate_reports_where_the_first_one_is() {
    let dir = fixtures().join("broken-duplicate-id");
    let problems = check_dir(&dir).expect("readable");
    let msg = problems
        .iter()
        .find(|p| p.message.starts_with("duplicate id"))
        .expect("duplicate reported");
    assert!(msg.message.contains("broken.toml:4"), "{}", msg.message);
}

#[test]
fn missing_directory_is_an_io_error_not_a_panic() {
    let err = load_dir(&fixtures().join("does-not-exist")).expect_err("must fail");
    assert!(err.to_string().contains("does-not-exist"));
}
