//! `baken indicators check|stats|show|diff` and `baken assess FILE.json`:
//! command-line glue around the pure `baken-indicators` crate. This module reads
//! files and prints; all checking and reading happens in the library crate.
//!
//! Dependencies this module needs in `crates/baken/Cargo.toml`:
//!   anyhow = { workspace = true }
//!   clap = { workspace = true }
//!   serde = { workspace = true }
//!   serde_json = { workspace = true }
//!   baken-indicators = { workspace = true }
//!
//! Exit codes: 0 success; 1 the library has problems, the input is invalid, or
//! (for `diff`) nothing could be read; I/O errors come back as `Err`.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use baken_indicators::{
    diff_libraries, embedded, load_dir, read_dir_sources, reread, stats, AssessmentInput, Item,
    Library, LoadError, Text,
};

/// Largest assessment input or readings file accepted, in bytes.
const INPUT_SIZE_BYTES_MAX: u64 = 16 * 1024 * 1024;

#[derive(Debug, clap::Subcommand)]
pub enum IndicatorsCommand {
    /// Check a library directory (default: the library built into this binary).
    /// Every problem names file, line and item; exit 1 when there are any.
    Check { dir: Option<PathBuf> },
    /// Counts per kind and per language.
    Stats {
        #[arg(long)]
        json: bool,
        /// Library directory (default: the built-in library).
        dir: Option<PathBuf>,
    },
    /// Show one item (indicator, barrier, partner, phenomenon, stage, dimension, rule) by id.
    Show {
        id: String,
        /// Library directory (default: the built-in library).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// What changed between two library directories, and which stored readings
    /// would read differently.
    Diff {
        old: PathBuf,
        new: PathBuf,
        /// JSON Lines of past assessment inputs (or stored readings with an `input` field).
        #[arg(long)]
        readings: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run_indicators(cmd: IndicatorsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        IndicatorsCommand::Check { dir } => check(dir.as_deref()),
        IndicatorsCommand::Stats { json, dir } => {
            let Some(lib) = load_or_report(dir.as_deref())? else {
                return Ok(ExitCode::FAILURE);
            };
            let s = stats(&lib);
            let mut o = String::new();
            if json {
                let _ = writeln!(o, "{}", serde_json::to_string_pretty(&s)?);
            } else {
                let _ = writeln!(
                    o,
                    "library {} {} (sha256 {})",
                    s.library.id, s.library.version, s.library.content_hash
                );
                for (k, n) in &s.counts {
                    let _ = writeln!(o, "  {k:<16} {n}");
                }
                for (lang, l) in &s.languages {
                    let _ = writeln!(
                        o,
                        "  texts in {lang}: {}/{}{}",
                        l.present,
                        l.expected,
                        if l.complete { "" } else { "  INCOMPLETE" }
                    );
                }
            }
            emit(&o)?;
            Ok(ExitCode::SUCCESS)
        }
        IndicatorsCommand::Show { id, dir } => {
            let Some(lib) = load_or_report(dir.as_deref())? else {
                return Ok(ExitCode::FAILURE);
            };
            show(&lib, &id)
        }
        IndicatorsCommand::Diff {
            old,
            new,
            readings,
            json,
        } => diff(&old, &new, readings.as_deref(), json),
    }
}

/// `baken assess FILE.json`: read one assessment input, print the reading as JSON.
pub fn run_assess(file: &Path) -> anyhow::Result<ExitCode> {
    let lib = embedded().context("the built-in indicator library does not load")?;
    let text = match read_limited(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e:#}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let input: AssessmentInput = match serde_json::from_str(&text) {
        Ok(i) => i,
        Err(e) => {
            eprintln!(
                "error: {}:{}:{}: {}",
                file.display(),
                e.line(),
                e.column(),
                json_message(&e)
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    match lib.assess(&input) {
        Ok(reading) => {
            let mut o = String::new();
            let _ = writeln!(o, "{}", serde_json::to_string_pretty(&reading)?);
            emit(&o)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            for p in &e.problems {
                eprintln!("error: {}: {}: {}", file.display(), p.path, p.message);
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// serde_json's message without its trailing " at line L column C" (we print that first).
fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn read_limited(file: &Path) -> anyhow::Result<String> {
    let meta =
        std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if meta.len() > INPUT_SIZE_BYTES_MAX {
        anyhow::bail!(
            "{} is {} bytes; at most {INPUT_SIZE_BYTES_MAX} are accepted",
            file.display(),
            meta.len()
        );
    }
    std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))
}

fn load(dir: Option<&Path>) -> Result<Library, LoadError> {
    match dir {
        Some(d) => load_dir(d),
        None => embedded(),
    }
}

/// Load a library; print its problems and return `None` when it is invalid.
fn load_or_report(dir: Option<&Path>) -> anyhow::Result<Option<Library>> {
    match load(dir) {
        Ok(l) => Ok(Some(l)),
        Err(LoadError::Invalid(problems)) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!("error: the library has {} problem(s)", problems.len());
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

fn check(dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    if let Some(d) = dir {
        // Report an unreadable directory before anything else.
        read_dir_sources(d)?;
    }
    let Some(lib) = load_or_report(dir)? else {
        return Ok(ExitCode::FAILURE);
    };
    let mut o = String::new();
    let _ = writeln!(
        o,
        "ok: library {} {} (sha256 {}): {} indicators, {} barriers, {} partners, {} rules",
        lib.meta.id,
        lib.meta.version,
        lib.content_hash,
        lib.indicators.len(),
        lib.barriers.len(),
        lib.partners.len(),
        lib.dimension_rules.len() + lib.level_rules.len()
    );
    emit(&o)?;
    Ok(ExitCode::SUCCESS)
}

fn texts(o: &mut String, label: &str, t: &Text) {
    for (lang, s) in t.iter() {
        let _ = writeln!(o, "  {label} [{lang}] {s}");
    }
}

fn show(lib: &Library, id: &str) -> anyhow::Result<ExitCode> {
    let Some(item) = lib.find(id) else {
        eprintln!(
            "error: no item with id '{id}' in library {} {}",
            lib.meta.id, lib.meta.version
        );
        return Ok(ExitCode::FAILURE);
    };
    let origin = lib
        .origin(item.kind(), id)
        .map(|o| format!("{}:{}", o.file, o.line))
        .unwrap_or_default();
    let mut o = String::new();
    let _ = writeln!(o, "{} {id}  ({origin})", item.kind());
    match item {
        Item::Indicator(i) => {
            let _ = writeln!(o, "  stage: {}", i.stage);
            let _ = writeln!(o, "  dimension: {}", i.dimension.as_deref().unwrap_or("-"));
            let _ = writeln!(o, "  contexts: {}", i.contexts.join(", "));
            let _ = writeln!(o, "  learning card: {}", i.card);
            if let Some(s) = i.only_for {
                let _ = writeln!(o, "  only for: {}", s.as_str());
            }
            if !i.contradicts.is_empty() {
                let _ = writeln!(o, "  contradicts: {}", i.contradicts.join(", "));
            }
            for l in &i.phenomena {
                let minor = l
                    .minor
                    .map(|m| format!(" (minor: {})", m.as_str()))
                    .unwrap_or_default();
                let _ = writeln!(
                    o,
                    "  points to: {} {}{minor}",
                    l.phenomenon,
                    l.strength.as_str()
                );
            }
            texts(&mut o, "label", &i.label);
            texts(&mut o, "look for", &i.look_for);
            for q in &i.questions {
                texts(&mut o, "question", q);
            }
            let barriers: Vec<&str> = lib
                .barriers
                .iter()
                .filter(|b| b.indicators.iter().any(|x| x == id))
                .map(|b| b.id.as_str())
                .collect();
            let _ = writeln!(o, "  barriers: {}", barriers.join(", "));
        }
        Item::Barrier(b) => {
            let _ = writeln!(o, "{}", serde_json::to_string_pretty(b)?);
        }
        Item::Partner(p) => {
            let _ = writeln!(o, "{}", serde_json::to_string_pretty(p)?);
        }
        Item::Phenomenon(p) => {
            let _ = writeln!(o, "{}", serde_json::to_string_pretty(p)?);
        }
        Item::Stage(s) => {
            let _ = writeln!(o, "{}", serde_json::to_string_pretty(s)?);
        }
        Item::Dimension(d) => {
            let _ = writeln!(o, "{}", serde_json::to_string_pretty(d)?);
        }
        Item::Context(c) => {
            let _ = writeln!(o, "{}", serde_json::to_string_pretty(c)?);
        }
        Item::DimensionRule(r) => {
            let _ = writeln!(o, "{}", serde_json::to_string_pretty(r)?);
        }
        Item::LevelRule(r) => {
            let _ = writeln!(o, "{}", serde_json::to_string_pretty(r)?);
        }
    }
    emit(&o)?;
    Ok(ExitCode::SUCCESS)
}

/// A line of a readings file: a bare input, or a stored reading that keeps its input.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum StoredLine {
    Wrapped { input: AssessmentInput },
    Bare(AssessmentInput),
}

fn read_jsonl(file: &Path) -> anyhow::Result<Result<Vec<AssessmentInput>, String>> {
    let meta =
        std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if meta.len() > INPUT_SIZE_BYTES_MAX {
        return Ok(Err(format!(
            "{} is larger than {INPUT_SIZE_BYTES_MAX} bytes",
            file.display()
        )));
    }
    let f = std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut out = Vec::new();
    for (n, line) in BufReader::new(f).lines().enumerate() {
        let line = line.with_context(|| format!("cannot read {}", file.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<StoredLine>(&line) {
            Ok(StoredLine::Wrapped { input }) | Ok(StoredLine::Bare(input)) => out.push(input),
            Err(e) => {
                return Ok(Err(format!(
                    "{}:{}: not an assessment input: {}",
                    file.display(),
                    n + 1,
                    json_message(&e)
                )))
            }
        }
    }
    Ok(Ok(out))
}

fn diff(old: &Path, new: &Path, readings: Option<&Path>, json: bool) -> anyhow::Result<ExitCode> {
    let (Some(a), Some(b)) = (load_or_report(Some(old))?, load_or_report(Some(new))?) else {
        return Ok(ExitCode::FAILURE);
    };
    let d = diff_libraries(&a, &b);
    let mut o = String::new();
    let changes = match readings {
        Some(f) => match read_jsonl(f)? {
            Ok(inputs) => Some((inputs.len(), reread(&a, &b, &inputs))),
            Err(msg) => {
                eprintln!("error: {msg}");
                return Ok(ExitCode::FAILURE);
            }
        },
        None => None,
    };
    if json {
        let v = serde_json::json!({
            "library": d,
            "readings": changes.as_ref().map(|(n, c)| serde_json::json!({"total": n, "changed": c})),
        });
        let _ = writeln!(o, "{}", serde_json::to_string_pretty(&v)?);
        emit(&o)?;
        return Ok(ExitCode::SUCCESS);
    }
    let _ = writeln!(
        o,
        "old: {} {} (sha256 {})\nnew: {} {} (sha256 {})",
        d.old.id, d.old.version, d.old.content_hash, d.new.id, d.new.version, d.new.content_hash
    );
    if d.old.content_hash != d.new.content_hash && d.old.version == d.new.version {
        let _ = writeln!(
            o,
            "warning: content changed but the version did not; bump library.toml's version"
        );
    }
    if d.kinds.is_empty() && !d.settings_changed {
        let _ = writeln!(o, "no item changed");
    }
    for (kind, k) in &d.kinds {
        for (what, ids) in [
            ("added", &k.added),
            ("removed", &k.removed),
            ("changed", &k.changed),
        ] {
            if !ids.is_empty() {
                let _ = writeln!(o, "{kind} {what}: {}", ids.join(", "));
            }
        }
    }
    if d.settings_changed {
        let _ = writeln!(o, "scoring or recommendation settings changed");
    }
    if let Some((total, changed)) = changes {
        let _ = writeln!(
            o,
            "readings: {} of {total} would read differently",
            changed.len()
        );
        for c in &changed {
            if let Some(e) = &c.error {
                let _ = writeln!(o, "  #{}: {e}", c.index + 1);
            }
            for p in &c.changes {
                let lvl = |l: Option<baken_indicators::Level>| l.map_or("-", |l| l.as_str());
                let _ = writeln!(
                    o,
                    "  #{}: {}: {} -> {} (rules {:?} -> {:?})",
                    c.index + 1,
                    p.phenomenon,
                    lvl(p.old_level),
                    lvl(p.new_level),
                    p.old_rules,
                    p.new_rules
                );
            }
        }
    }
    emit(&o)?;
    Ok(ExitCode::SUCCESS)
}

/// Write to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn emit(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
