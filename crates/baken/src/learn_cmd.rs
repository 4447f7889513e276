//! `baken learn check [DIR]`: command-line glue around the pure `baken-learn` crate.
//! Checks the learning content built into this binary, or a `learning/` directory
//! (cases in `DIR/cases/*.toml`, modules in `DIR/modules/`), against the built-in
//! indicator library. Exit 1 naming each problem when there are any.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use baken_learn::{check, Problem, Source, LANGUAGES};

use crate::indicators_cmd::emit;

#[derive(Debug, clap::Subcommand)]
pub enum LearnCommand {
    /// Check lessons and practice cases: all three languages present, links to
    /// indicators and barriers exist, each case's expected answer agrees with the
    /// assessment engine, no personal data. Exit 1 naming each problem.
    Check {
        /// A `learning/` directory (default: the content built into this binary)
        dir: Option<PathBuf>,
    },
}

pub fn run_learn(cmd: LearnCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        LearnCommand::Check { dir } => run_check(dir.as_deref()),
    }
}

/// The texts of a `learning/` directory, owned.
struct DirSources {
    cases: Vec<(String, String)>,
    index: String,
    lessons: Vec<(String, &'static str, String)>,
}

fn read_dir(dir: &Path) -> anyhow::Result<DirSources> {
    let cases_dir = dir.join("cases");
    let mut cases = Vec::new();
    for entry in
        std::fs::read_dir(&cases_dir).with_context(|| format!("reading {}", cases_dir.display()))?
    {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            cases.push((name, text));
        }
    }
    cases.sort();
    let index_path = dir.join("modules/index.toml");
    let index = std::fs::read_to_string(&index_path)
        .with_context(|| format!("reading {}", index_path.display()))?;
    let mut lessons = Vec::new();
    for entry in std::fs::read_dir(dir.join("modules"))? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let module = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for lang in LANGUAGES {
            // A missing lesson is reported by the check, not as an I/O error.
            if let Ok(text) = std::fs::read_to_string(path.join(format!("{lang}.md"))) {
                lessons.push((module.clone(), lang, text));
            }
        }
    }
    lessons.sort();
    Ok(DirSources {
        cases,
        index,
        lessons,
    })
}

fn run_check(dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let lib = baken_indicators::embedded().context("the built-in indicator library")?;
    let owned = dir.map(read_dir).transpose()?;
    let (content, mut problems): (_, Vec<Problem>) = match &owned {
        None => baken_learn::embedded(),
        Some(d) => baken_learn::load(&Source {
            case_files: d
                .cases
                .iter()
                .map(|(n, t)| (n.as_str(), t.as_str()))
                .collect(),
            module_index: &d.index,
            lessons: d
                .lessons
                .iter()
                .map(|(m, l, t)| (m.as_str(), *l, t.as_str()))
                .collect(),
        }),
    };
    problems.extend(check(&content, &lib));
    if !problems.is_empty() {
        let mut e = String::new();
        for p in &problems {
            let _ = writeln!(e, "{p}");
        }
        let _ = writeln!(e, "{} problem(s)", problems.len());
        eprint!("{e}");
        return Ok(ExitCode::FAILURE);
    }
    let mut o = String::new();
    let _ = writeln!(
        o,
        "ok: {} practice cases and {} modules in {}, checked against library {} {}",
        content.cases.len(),
        content.modules.len(),
        LANGUAGES.join(", "),
        lib.meta.id,
        lib.meta.version
    );
    emit(&o)?;
    Ok(ExitCode::SUCCESS)
}
