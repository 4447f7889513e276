//! Loading and checking a library: parse every file, merge, check references,
//! translations and reachability, and build an indexed [`Library`].
//!
//! Every problem names the file, the 1-based line and the item, so that a
//! reviewer of a library change can go straight to it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::model::*;
use crate::raw::*;

/// One library file: its base name (used for hashing and sorting), how to show
/// it in messages, and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub display: String,
    pub text: String,
}

/// One thing wrong with a library, located in a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub item: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.item, self.message
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read library at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("library has {} problem(s); first: {}", .0.len(), .0.first().map(|p| p.to_string()).unwrap_or_default())]
    Invalid(Vec<Problem>),
}

impl LoadError {
    /// The problems found, empty for I/O errors.
    pub fn problems(&self) -> &[Problem] {
        match self {
            LoadError::Invalid(p) => p,
            LoadError::Io { .. } => &[],
        }
    }
}

/// Upper limit on one library file; a bigger file is refused, not parsed.
const FILE_SIZE_BYTES_MAX: u64 = 4 * 1024 * 1024;

/// Read every `*.toml` file directly inside `dir` (sorted by name).
pub fn read_dir_sources(dir: &Path) -> Result<Vec<SourceFile>, LoadError> {
    let io = |source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") || !path.is_file() {
            continue;
        }
        let meta = entry.metadata().map_err(io)?;
        if meta.len() > FILE_SIZE_BYTES_MAX {
            return Err(LoadError::Io {
                path,
                source: std::io::Error::other("file larger than 4 MiB"),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
            path: path.clone(),
            source,
        })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        out.push(SourceFile {
            name,
            display: path.display().to_string(),
            text,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Load and check the library in `dir`.
pub fn load_dir(dir: &Path) -> Result<Library, LoadError> {
    load_sources(read_dir_sources(dir)?)
}

/// Check the library in `dir`; an empty list means it is sound.
pub fn check_dir(dir: &Path) -> Result<Vec<Problem>, LoadError> {
    match load_dir(dir) {
        Ok(_) => Ok(Vec::new()),
        Err(LoadError::Invalid(p)) => Ok(p),
        Err(e) => Err(e),
    }
}

/// SHA-256 over the files' names and bytes, in name order, hex encoded.
pub fn content_hash(sources: &[SourceFile]) -> String {
    let mut sorted: Vec<&SourceFile> = sources.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut h = Sha256::new();
    for s in sorted {
        h.update(s.name.as_bytes());
        h.update([0u8]);
        h.update((s.text.len() as u64).to_le_bytes());
        h.update(s.text.as_bytes());
    }
    hex::encode(h.finalize())
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

struct Ctx<'a> {
    files: &'a [SourceFile],
    problems: Vec<Problem>,
    languages: Vec<String>,
}

impl Ctx<'_> {
    fn line(&self, file: usize, offset: usize) -> usize {
        self.files.get(file).map_or(0, |f| line_of(&f.text, offset))
    }
    fn file(&self, file: usize) -> String {
        self.files
            .get(file)
            .map_or_else(String::new, |f| f.display.clone())
    }
    fn push(&mut self, file: usize, offset: usize, item: &str, message: String) {
        let line = self.line(file, offset);
        self.problems.push(Problem {
            file: self.file(file),
            line,
            item: item.to_string(),
            message,
        });
    }
    fn text(&mut self, file: usize, item: &Sid, field: &str, t: &RawText) -> Text {
        let offset = item.span().start;
        let langs = self.languages.clone();
        for lang in &langs {
            match t.get(lang) {
                Some(s) if !s.trim().is_empty() => {}
                Some(_) => self.push(
                    file,
                    offset,
                    item.get_ref(),
                    format!("empty translation '{lang}' in {field}"),
                ),
                None => self.push(
                    file,
                    offset,
                    item.get_ref(),
                    format!("missing translation '{lang}' in {field}"),
                ),
            }
        }
        for lang in t.keys() {
            if !langs.contains(lang) {
                self.push(
                    file,
                    offset,
                    item.get_ref(),
                    format!("{field} has language '{lang}' that the library does not declare"),
                );
            }
        }
        Text::new(t.clone())
    }
}

/// What kind of item an id belongs to, for reference checks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Context,
    Phenomenon,
    Stage,
    Dimension,
    Indicator,
    Barrier,
    Partner,
    DimensionRule,
    LevelRule,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Context => "context",
            Kind::Phenomenon => "phenomenon",
            Kind::Stage => "stage",
            Kind::Dimension => "dimension",
            Kind::Indicator => "indicator",
            Kind::Barrier => "barrier",
            Kind::Partner => "partner",
            Kind::DimensionRule => "dimension_rule",
            Kind::LevelRule => "level_rule",
        }
    }
}

/// Parse, merge, check and index the given files.
pub fn load_sources(mut sources: Vec<SourceFile>) -> Result<Library, LoadError> {
    sources.sort_by(|a, b| a.name.cmp(&b.name));
    let content_hash = content_hash(&sources);
    let mut cx = Ctx {
        files: &sources,
        problems: Vec::new(),
        languages: Vec::new(),
    };

    let mut docs: Vec<(usize, FileDoc)> = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        match toml::from_str::<FileDoc>(&s.text) {
            Ok(d) => docs.push((i, d)),
            Err(e) => {
                let offset = e.span().map_or(0, |r| r.start);
                let msg = e.message().trim().to_string();
                cx.push(i, offset, "(file)", format!("not valid: {msg}"));
            }
        }
    }
    if sources.is_empty() {
        cx.problems.push(Problem {
            file: "(library)".into(),
            line: 0,
            item: "(library)".into(),
            message: "no .toml files found".into(),
        });
    }

    // Library metadata: exactly one [library] table.
    let metas: Vec<(usize, &RawMeta)> = docs
        .iter()
        .filter_map(|(f, d)| d.library.as_ref().map(|m| (*f, m)))
        .collect();
    if metas.len() > 1 {
        for (f, m) in &metas[1..] {
            cx.push(
                *f,
                m.id.span().start,
                m.id.get_ref(),
                "second [library] table; there must be exactly one".into(),
            );
        }
    }
    let meta_raw = metas.first().copied();
    cx.languages = meta_raw.map_or_else(
        || vec!["nl".into(), "en".into(), "fr".into()],
        |(_, m)| m.languages.clone(),
    );
    let meta = match meta_raw {
        Some((f, m)) => {
            if m.languages.is_empty() {
                cx.push(f, m.id.span().start, m.id.get_ref(), "no languages".into());
            }
            let title = cx.text(f, &m.id, "title", &m.title);
            LibraryMeta {
                id: m.id.get_ref().clone(),
                version: m.version.get_ref().clone(),
                languages: m.languages.clone(),
                title,
            }
        }
        None => {
            cx.problems.push(Problem {
                file: "library.toml".into(),
                line: 1,
                item: "library".into(),
                message: "no [library] table with id, version and languages".into(),
            });
            LibraryMeta {
                id: String::new(),
                version: String::new(),
                languages: cx.languages.clone(),
                title: Text::default(),
            }
        }
    };

    // All ids, one namespace: (kind, file, span).
    let mut ids: BTreeMap<String, (Kind, usize, usize)> = BTreeMap::new();
    let mut origins: HashMap<(&'static str, String), Origin> = HashMap::new();
    let mut declare = |cx: &mut Ctx, kind: Kind, file: usize, id: &Sid| {
        let key = id.get_ref();
        if key.trim().is_empty() {
            cx.push(file, id.span().start, "(empty id)", "empty id".into());
            return;
        }
        if let Some((k0, f0, o0)) = ids.get(key).copied() {
            let first_file = cx.file(f0);
            let first_line = cx.line(f0, o0);
            cx.push(
                file,
                id.span().start,
                key,
                format!(
                    "duplicate id: already defined as {} at {}:{}",
                    k0.name(),
                    first_file,
                    first_line
                ),
            );
        } else {
            ids.insert(key.clone(), (kind, file, id.span().start));
            origins.insert(
                (kind.name(), key.clone()),
                Origin {
                    file: cx.file(file),
                    line: cx.line(file, id.span().start),
                },
            );
        }
    };
    for (f, d) in &docs {
        let f = *f;
        d.context
            .iter()
            .for_each(|x| declare(&mut cx, Kind::Context, f, &x.id));
        d.phenomenon
            .iter()
            .for_each(|x| declare(&mut cx, Kind::Phenomenon, f, &x.id));
        d.stage
            .iter()
            .for_each(|x| declare(&mut cx, Kind::Stage, f, &x.id));
        d.dimension
            .iter()
            .for_each(|x| declare(&mut cx, Kind::Dimension, f, &x.id));
        d.indicator
            .iter()
            .for_each(|x| declare(&mut cx, Kind::Indicator, f, &x.id));
        d.barrier
            .iter()
            .for_each(|x| declare(&mut cx, Kind::Barrier, f, &x.id));
        d.partner
            .iter()
            .for_each(|x| declare(&mut cx, Kind::Partner, f, &x.id));
        d.dimension_rule
            .iter()
            .for_each(|x| declare(&mut cx, Kind::DimensionRule, f, &x.id));
        d.level_rule
            .iter()
            .for_each(|x| declare(&mut cx, Kind::LevelRule, f, &x.id));
    }
    let refcheck =
        |cx: &mut Ctx, file: usize, owner: &str, field: &str, r: &Sid, want: Kind| match ids
            .get(r.get_ref())
        {
            Some((k, _, _)) if *k == want => {}
            Some((k, _, _)) => cx.push(
                file,
                r.span().start,
                owner,
                format!(
                    "{field} '{}' is a {}, expected a {}",
                    r.get_ref(),
                    k.name(),
                    want.name()
                ),
            ),
            None => cx.push(
                file,
                r.span().start,
                owner,
                format!(
                    "{field} refers to unknown {} '{}'",
                    want.name(),
                    r.get_ref()
                ),
            ),
        };

    let mut lib_contexts = Vec::new();
    let mut phenomena = Vec::new();
    let mut stages = Vec::new();
    let mut dimensions = Vec::new();
    let mut indicators = Vec::new();
    let mut barriers = Vec::new();
    let mut partners = Vec::new();
    let mut dimension_rules = Vec::new();
    let mut level_rules = Vec::new();
    let mut scoring = None;
    let mut recommend = None;
    // Rule sets that level rules define, for phenomenon checks.
    let rule_sets: BTreeSet<&str> = docs
        .iter()
        .flat_map(|(_, d)| d.level_rule.iter().map(|r| r.rule_set.get_ref().as_str()))
        .collect();

    for (f, d) in &docs {
        let f = *f;
        for x in &d.context {
            let name = cx.text(f, &x.id, "name", &x.name);
            lib_contexts.push(Context {
                id: x.id.get_ref().clone(),
                name,
            });
        }
        for x in &d.phenomenon {
            let name = cx.text(f, &x.id, "name", &x.name);
            let description = cx.text(f, &x.id, "description", &x.description);
            if !rule_sets.contains(x.rule_set.get_ref().as_str()) {
                cx.push(
                    f,
                    x.rule_set.span().start,
                    x.id.get_ref(),
                    format!("rule_set '{}' has no level_rule", x.rule_set.get_ref()),
                );
            }
            phenomena.push(Phenomenon {
                id: x.id.get_ref().clone(),
                kind: x.kind,
                rule_set: x.rule_set.get_ref().clone(),
                name,
                description,
            });
        }
        for x in &d.stage {
            let name = cx.text(f, &x.id, "name", &x.name);
            let description = cx.text(f, &x.id, "description", &x.description);
            stages.push(Stage {
                id: x.id.get_ref().clone(),
                order: x.order,
                name,
                description,
            });
        }
        for x in &d.dimension {
            let name = cx.text(f, &x.id, "name", &x.name);
            let description = cx.text(f, &x.id, "description", &x.description);
            let minor_note = cx.text(f, &x.id, "minor_note", &x.minor_note);
            dimensions.push(Dimension {
                id: x.id.get_ref().clone(),
                group: x.group,
                means: x.means,
                name,
                description,
                minor_note,
            });
        }
        for x in &d.indicator {
            let id = x.id.get_ref();
            refcheck(&mut cx, f, id, "stage", &x.stage, Kind::Stage);
            if let Some(dim) = &x.dimension {
                refcheck(&mut cx, f, id, "dimension", dim, Kind::Dimension);
            }
            if x.contexts.is_empty() {
                cx.push(
                    f,
                    x.id.span().start,
                    id,
                    "unreachable: listed in no context".into(),
                );
            }
            for c in &x.contexts {
                refcheck(&mut cx, f, id, "context", c, Kind::Context);
            }
            for c in &x.contradicts {
                refcheck(&mut cx, f, id, "contradicts", c, Kind::Indicator);
                if c.get_ref() == id {
                    cx.push(f, c.span().start, id, "contradicts itself".into());
                }
            }
            if x.card.get_ref().trim().is_empty() {
                cx.push(
                    f,
                    x.card.span().start,
                    id,
                    "empty learning card reference".into(),
                );
            }
            let mut seen = BTreeSet::new();
            for l in &x.phenomena {
                refcheck(&mut cx, f, id, "phenomenon", &l.id, Kind::Phenomenon);
                if !seen.insert(l.id.get_ref().clone()) {
                    cx.push(
                        f,
                        l.id.span().start,
                        id,
                        format!("phenomenon '{}' listed twice", l.id.get_ref()),
                    );
                }
            }
            if x.questions.is_empty() {
                cx.push(f, x.id.span().start, id, "no follow-up question".into());
            }
            let label = cx.text(f, &x.id, "label", &x.label);
            let look_for = cx.text(f, &x.id, "look_for", &x.look_for);
            let questions = x
                .questions
                .iter()
                .enumerate()
                .map(|(i, q)| cx.text(f, &x.id, &format!("questions[{i}]"), q))
                .collect();
            indicators.push(Indicator {
                id: id.clone(),
                stage: x.stage.get_ref().clone(),
                dimension: x.dimension.as_ref().map(|d| d.get_ref().clone()),
                contexts: x.contexts.iter().map(|c| c.get_ref().clone()).collect(),
                card: x.card.get_ref().clone(),
                only_for: x.only_for,
                contradicts: x.contradicts.iter().map(|c| c.get_ref().clone()).collect(),
                phenomena: x
                    .phenomena
                    .iter()
                    .map(|l| PhenomenonLink {
                        phenomenon: l.id.get_ref().clone(),
                        strength: l.strength,
                        minor: l.minor,
                    })
                    .collect(),
                label,
                look_for,
                questions,
            });
        }
        for x in &d.barrier {
            let id = x.id.get_ref();
            refcheck(&mut cx, f, id, "stage", &x.stage, Kind::Stage);
            if x.indicators.is_empty() {
                cx.push(f, x.id.span().start, id, "lists no indicators".into());
            }
            for i in &x.indicators {
                refcheck(&mut cx, f, id, "indicator", i, Kind::Indicator);
            }
            let name = cx.text(f, &x.id, "name", &x.name);
            let what = cx.text(f, &x.id, "what", &x.what);
            let instrument_nl = cx.text(f, &x.id, "instrument_nl", &x.instrument_nl);
            let instrument_be = cx.text(f, &x.id, "instrument_be", &x.instrument_be);
            let who = cx.text(f, &x.id, "who", &x.who);
            barriers.push(Barrier {
                id: id.clone(),
                stage: x.stage.get_ref().clone(),
                name,
                what,
                instrument_nl,
                instrument_be,
                who,
                indicators: x.indicators.iter().map(|c| c.get_ref().clone()).collect(),
            });
        }
        for x in &d.partner {
            let id = x.id.get_ref();
            for p in &x.phenomena {
                refcheck(&mut cx, f, id, "phenomenon", p, Kind::Phenomenon);
            }
            let name = cx.text(f, &x.id, "name", &x.name);
            partners.push(Partner {
                id: id.clone(),
                name,
                examples_nl: x.examples_nl.clone(),
                examples_be: x.examples_be.clone(),
                phenomena: x.phenomena.iter().map(|c| c.get_ref().clone()).collect(),
                subjects: x.subjects.clone(),
            });
        }
        for x in &d.dimension_rule {
            if x.strong + x.medium + x.weak == 0 {
                cx.push(
                    f,
                    x.id.span().start,
                    x.id.get_ref(),
                    "needs at least one indicator".into(),
                );
            }
            let description = cx.text(f, &x.id, "description", &x.description);
            dimension_rules.push(DimensionRule {
                id: x.id.get_ref().clone(),
                strong: x.strong,
                medium: x.medium,
                weak: x.weak,
                description,
            });
        }
        for x in &d.level_rule {
            let id = x.id.get_ref();
            for g in &x.dimension_groups {
                if g.is_empty() {
                    cx.push(f, x.id.span().start, id, "empty dimension group".into());
                }
                for dim in g {
                    refcheck(&mut cx, f, id, "dimension", dim, Kind::Dimension);
                }
            }
            let has_condition = !x.dimension_groups.is_empty()
                || x.dimensions_min.is_some()
                || x.score_min.is_some()
                || x.strong_min.is_some()
                || x.stages_min.is_some();
            if !has_condition {
                cx.push(
                    f,
                    x.id.span().start,
                    id,
                    "has no condition; it would always fire".into(),
                );
            }
            if x.level == Level::None {
                cx.push(
                    f,
                    x.id.span().start,
                    id,
                    "level 'none' cannot be reached by a rule".into(),
                );
            }
            let description = cx.text(f, &x.id, "description", &x.description);
            level_rules.push(LevelRule {
                id: id.clone(),
                rule_set: x.rule_set.get_ref().clone(),
                level: x.level,
                subjects: x
                    .subjects
                    .clone()
                    .unwrap_or_else(|| vec![Subject::Adult, Subject::Minor, Subject::Unknown]),
                enabled: x.enabled.unwrap_or(true),
                dimension_groups: x
                    .dimension_groups
                    .iter()
                    .map(|g| g.iter().map(|d| d.get_ref().clone()).collect())
                    .collect(),
                dimensions_min: x.dimensions_min,
                score_min: x.score_min,
                strong_min: x.strong_min,
                stages_min: x.stages_min,
                description,
            });
        }
        if let Some(s) = &d.scoring {
            if scoring.is_some() {
                cx.push(
                    f,
                    s.span().start,
                    "scoring",
                    "second [scoring] table".into(),
                );
            }
            let s = s.get_ref();
            scoring = Some(Scoring {
                strong: s.strong,
                medium: s.medium,
                weak: s.weak,
            });
        }
        if let Some(r) = &d.recommend {
            if recommend.is_some() {
                cx.push(
                    f,
                    r.span().start,
                    "recommend",
                    "second [recommend] table".into(),
                );
            }
            let r = r.get_ref();
            recommend = Some(Recommend {
                barriers_from: r.barriers_from,
                partners_from: r.partners_from,
                questions_max: r.questions_max,
            });
        }
    }
    for (what, present) in [
        ("[scoring]", scoring.is_some()),
        ("[recommend]", recommend.is_some()),
        ("dimension_rule", !dimension_rules.is_empty()),
        ("phenomenon", !phenomena.is_empty()),
        ("stage", !stages.is_empty()),
    ] {
        if !present {
            cx.problems.push(Problem {
                file: "rules.toml".into(),
                line: 1,
                item: what.into(),
                message: format!("library defines no {what}"),
            });
        }
    }

    if dimensions.len() > crate::engine::DIMENSIONS_MAX || stages.len() > crate::engine::STAGES_MAX
    {
        cx.problems.push(Problem {
            file: "dimensions.toml".into(),
            line: 1,
            item: "(library)".into(),
            message: format!(
                "at most {} dimensions and {} stages are supported",
                crate::engine::DIMENSIONS_MAX,
                crate::engine::STAGES_MAX
            ),
        });
    }

    // Reachability: an indicator must be able to contribute to some level rule.
    for (f, d) in &docs {
        for x in &d.indicator {
            if !reachable(x, &phenomena, &level_rules) {
                cx.push(
                    *f,
                    x.id.span().start,
                    x.id.get_ref(),
                    "unreachable: no enabled level rule of its phenomena can use it \
                     (link it to a phenomenon, or give it a dimension that a rule uses)"
                        .into(),
                );
            }
        }
    }

    if !cx.problems.is_empty() {
        let mut p = cx.problems;
        p.sort();
        p.dedup();
        return Err(LoadError::Invalid(p));
    }
    let (Some(scoring), Some(recommend)) = (scoring, recommend) else {
        return Err(LoadError::Invalid(Vec::new()));
    };
    let mut lib = Library {
        meta,
        content_hash,
        contexts: lib_contexts,
        phenomena,
        stages,
        dimensions,
        indicators,
        barriers,
        partners,
        dimension_rules,
        level_rules,
        scoring,
        recommend,
        origins,
        compiled: crate::engine::Compiled::default(),
    };
    lib.stages.sort_by_key(|s| s.order);
    lib.compiled = crate::engine::Compiled::build(&lib);
    Ok(lib)
}

fn reachable(x: &RawIndicator, phenomena: &[Phenomenon], rules: &[LevelRule]) -> bool {
    x.phenomena.iter().any(|l| {
        let Some(p) = phenomena.iter().find(|p| &p.id == l.id.get_ref()) else {
            // A dangling phenomenon is reported on its own.
            return true;
        };
        rules
            .iter()
            .filter(|r| r.enabled && r.rule_set == p.rule_set)
            .any(|r| {
                let strong = l.strength == Strength::Strong || l.minor == Some(Strength::Strong);
                r.score_min.is_some()
                    || r.stages_min.is_some()
                    || (r.strong_min.is_some() && strong)
                    || match &x.dimension {
                        Some(d) => {
                            r.dimensions_min.is_some()
                                || r.dimension_groups
                                    .iter()
                                    .flatten()
                                    .any(|g| g == d.get_ref())
                        }
                        None => false,
                    }
            })
    })
}
