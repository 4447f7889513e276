//! `baken link` and `baken bench gen` end to end through the real binary: output on
//! good input, clear errors (file, line, column) and no partial output on bad input,
//! and the same output for the same input and seed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MAPPING: &str = r#"
id = "unique_id"
truth = "cluster"

[fields]
given_name = "given_name"
surname = "surname"
birth_date = "dob"
street = "street"
house_number = "house_number"
postcode = "postcode"
city = "city"
phone = "phone"
national_id = "bsn"
"#;

/// A fresh folder per test under the system's temporary folder.
fn workdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("baken-link-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn baken(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baken"))
        .args(args)
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn gen(dir: &Path, n: usize) -> PathBuf {
    let out = dir.join("people.csv");
    let o = baken(&[
        "bench",
        "gen",
        "--records",
        &n.to_string(),
        "--seed",
        "5",
        "--output",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn write_mapping(dir: &Path, text: &str) -> PathBuf {
    let m = dir.join("mapping.toml");
    std::fs::write(&m, text).unwrap();
    m
}

fn link(input: &Path, mapping: &Path, out: &Path, clusters: &Path) -> Output {
    baken(&[
        "link",
        "--input",
        s(input),
        "--mapping",
        s(mapping),
        "--output",
        s(out),
        "--clusters",
        s(clusters),
        "--seed",
        "3",
    ])
}

/// Runs `baken link` on bad input and returns stderr, checking the failure contract.
fn fails(dir: &Path, input: &Path, mapping: &Path) -> String {
    let out = dir.join("links.csv");
    let clusters = dir.join("clusters.csv");
    let o = link(input, mapping, &out, &clusters);
    assert!(!o.status.success(), "bad input must fail");
    assert!(
        !out.exists() && !clusters.exists(),
        "no output file on failure"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".baken-link-"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files left behind");
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn deduplicates_a_file_with_explained_links_and_clusters() {
    let dir = workdir("good");
    let input = gen(&dir, 3000);
    let mapping = write_mapping(&dir, MAPPING);
    let (out, clusters) = (dir.join("links.csv"), dir.join("clusters.csv"));
    let o = link(&input, &mapping, &out, &clusters);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let links = std::fs::read_to_string(&out).unwrap();
    let mut lines = links.lines();
    assert_eq!(
        lines.next(),
        Some("left_id,right_id,probability,weight_bits,explanation")
    );
    let first = lines.next().expect("some links");
    assert!(first.contains("prior") && first.contains("p="), "{first}");
    assert!(links.lines().count() > 500);
    let c = std::fs::read_to_string(&clusters).unwrap();
    assert_eq!(c.lines().count(), 3001);
}

#[test]
fn same_input_and_seed_give_the_same_output() {
    let dir = workdir("det");
    let input = gen(&dir, 2000);
    let mapping = write_mapping(&dir, MAPPING);
    let run = |tag: &str| {
        let (out, cl) = (
            dir.join(format!("l{tag}.csv")),
            dir.join(format!("c{tag}.csv")),
        );
        assert!(link(&input, &mapping, &out, &cl).status.success());
        (std::fs::read(out).unwrap(), std::fs::read(cl).unwrap())
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn missing_column_names_file_and_column() {
    let dir = workdir("missing");
    let input = gen(&dir, 50);
    let mapping = write_mapping(
        &dir,
        &MAPPING.replace("phone = \"phone\"", "phone = \"telefoon\""),
    );
    let err = fails(&dir, &input, &mapping);
    assert!(
        err.contains("people.csv:1") && err.contains("`telefoon`"),
        "{err}"
    );
}

#[test]
fn wrong_delimiter_is_explained() {
    let dir = workdir("delim");
    let input = gen(&dir, 50);
    let text = std::fs::read_to_string(&input).unwrap().replace(',', ";");
    std::fs::write(&input, text).unwrap();
    let err = fails(&dir, &input, &write_mapping(&dir, MAPPING));
    assert!(err.contains("delimiter") && err.contains("';'"), "{err}");
}

#[test]
fn broken_utf8_names_line_and_column() {
    let dir = workdir("utf8");
    let input = gen(&dir, 50);
    let mut bytes = std::fs::read(&input).unwrap();
    // Line 4 (header is line 1): put an invalid byte into the surname field.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let start = line_starts[3];
    let commas: Vec<usize> = bytes[start..]
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b',')
        .map(|(i, _)| start + i)
        .collect();
    bytes.insert(commas[2] + 1, 0xff);
    std::fs::write(&input, bytes).unwrap();
    let err = fails(&dir, &input, &write_mapping(&dir, MAPPING));
    assert!(
        err.contains("people.csv:4") && err.contains("`surname`") && err.contains("UTF-8"),
        "{err}"
    );
}

#[test]
fn enormous_line_is_refused() {
    let dir = workdir("huge");
    let input = gen(&dir, 50);
    let mut text = std::fs::read_to_string(&input).unwrap();
    text.push_str(&"x".repeat(2 << 20));
    std::fs::write(&input, text).unwrap();
    let err = fails(&dir, &input, &write_mapping(&dir, MAPPING));
    assert!(
        err.contains("people.csv:52") && err.contains("longer than"),
        "{err}"
    );
}

#[test]
fn unknown_mapping_key_names_the_line() {
    let dir = workdir("key");
    let input = gen(&dir, 50);
    let mapping = write_mapping(&dir, &MAPPING.replace("city = ", "citty = "));
    let err = fails(&dir, &input, &mapping);
    assert!(
        err.contains("mapping.toml:12:1") && err.contains("`citty`"),
        "{err}"
    );
}
