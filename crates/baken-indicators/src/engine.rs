//! The assessment engine: observations in, an explained reading out.
//!
//! Pure and deterministic: no clock, no randomness, no I/O. All thresholds come
//! from the library's rules (`rules.toml`); this file only knows how to apply
//! them. Outputs are ordered by library order so that the same input always
//! gives byte-identical JSON.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: ids are short and come from our own library or a checked input, so a
/// fast non-keyed hash is fine (and SipHash showed up in the profile).
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

use serde::{Deserialize, Serialize};

use crate::model::*;

/// Most dimensions a library may define (the ILO/EC model has six).
pub const DIMENSIONS_MAX: usize = 16;
/// Most stages a library may define.
pub const STAGES_MAX: usize = 64;
/// Most observations one assessment accepts.
pub const OBSERVATIONS_MAX: usize = 2000;

/// An answer to "did you see this?".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", try_from = "String")]
pub enum Answer {
    Yes,
    No,
    Unknown,
}

impl TryFrom<String> for Answer {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "yes" => Ok(Answer::Yes),
            "no" => Ok(Answer::No),
            "unknown" => Ok(Answer::Unknown),
            other => Err(format!(
                "unknown answer '{other}', expected yes, no or unknown"
            )),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    pub indicator: String,
    pub answer: Answer,
}

/// What `baken assess` reads and what a stored reading keeps as its input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentInput {
    pub subject: Subject,
    #[serde(default)]
    pub context: Option<String>,
    /// Language for the explanation texts (default `en`).
    #[serde(default)]
    pub language: Option<String>,
    pub observations: Vec<Observation>,
}

/// One thing wrong with an assessment input: where (a JSON-path-like location) and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputProblem {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", .problems.iter().map(|p| format!("{}: {}", p.path, p.message)).collect::<Vec<_>>().join("; "))]
pub struct InputError {
    pub problems: Vec<InputProblem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LibraryStamp {
    pub id: String,
    pub version: String,
    pub content_hash: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContradictionKind {
    /// The same indicator was answered both yes and no.
    ConflictingAnswers,
    /// Two indicators the library marks as mutually exclusive were both answered yes.
    ContradictingIndicators,
    /// An indicator that only applies to minors was answered yes for an adult.
    WrongSubject,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contradiction<'a> {
    pub kind: ContradictionKind,
    pub indicators: Vec<&'a str>,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    Dimension,
    Level,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FiredRule<'a> {
    pub rule: &'a str,
    pub kind: RuleKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimension: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    pub indicators: Vec<&'a str>,
    /// The rule's description in the reading's language.
    pub explanation: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenQuestion<'a> {
    pub indicator: &'a str,
    pub question: &'a str,
    /// The level this phenomenon would reach if the answer were yes.
    pub would_reach: Level,
    /// True when the indicator was answered in a contradicting way and needs resolving.
    pub unresolved: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BarrierAdvice<'a> {
    pub barrier: &'a str,
    pub name: &'a str,
    pub stage: &'a str,
    pub indicators: Vec<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhenomenonReading<'a> {
    pub phenomenon: &'a str,
    pub name: &'a str,
    pub level: Level,
    /// Set when the subject is unknown and a minor would read higher.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level_if_minor: Option<Level>,
    pub score: u32,
    pub indicators: Vec<&'a str>,
    pub dimensions_met: Vec<&'a str>,
    pub stages: Vec<&'a str>,
    pub fired_rules: Vec<FiredRule<'a>>,
    pub open_questions: Vec<OpenQuestion<'a>>,
    pub barriers: Vec<BarrierAdvice<'a>>,
    pub partners: Vec<&'a str>,
}

/// The explained reading of one assessment. A stored reading keeps `library` so
/// that a later library never changes it silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reading<'a> {
    pub library: LibraryStamp,
    pub subject: Subject,
    pub context: Option<&'a str>,
    pub language: &'a str,
    pub highest_level: Level,
    pub observed_yes: Vec<&'a str>,
    pub observed_no: Vec<&'a str>,
    pub observed_unknown: Vec<&'a str>,
    pub contradictions: Vec<Contradiction<'a>>,
    pub phenomena: Vec<PhenomenonReading<'a>>,
}

impl<'a> Reading<'a> {
    pub fn phenomenon(&self, id: &str) -> Option<&PhenomenonReading<'a>> {
        self.phenomena.iter().find(|p| p.phenomenon == id)
    }
}

// ---------------------------------------------------------------------------
// Compiled indexes, built once per library.

#[derive(Debug, Clone, Default)]
struct CInd {
    stage: usize,
    dim: Option<usize>,
    contradicts: Vec<usize>,
    only_for: Option<Subject>,
    /// Bit i set when the indicator is seen in context i (library order).
    ctx_mask: u64,
}

#[derive(Debug, Clone, Default)]
struct CLink {
    ind: usize,
    adult: Strength,
    minor: Strength,
    // Copies of the indicator's fields the question ranking reads, kept here so
    // that the hot loop walks one contiguous array.
    dim: Option<usize>,
    stage: usize,
    ctx_mask: u64,
    only_minor: bool,
}

#[derive(Debug, Clone, Default)]
struct CRule {
    idx: usize,
    level: Level,
    subjects: [bool; 3],
    groups: Vec<u32>,
    dims_min: Option<u32>,
    score_min: Option<u32>,
    strong_min: Option<u32>,
    stages_min: Option<u32>,
}

#[derive(Debug, Clone, Default)]
struct CPhen {
    links: Vec<CLink>,
    rules: Vec<CRule>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Compiled {
    pub(crate) indicator_index: FastMap<String, usize>,
    contexts: FastMap<String, usize>,
    n_dims: usize,
    ind: Vec<CInd>,
    phen: Vec<CPhen>,
    dim_rules: Vec<[u32; 3]>,
    /// Per indicator, the barriers that list it.
    ind_barriers: Vec<Vec<usize>>,
    partner_phens: Vec<Vec<usize>>,
}

fn subject_slot(s: Subject) -> usize {
    match s {
        Subject::Adult => 0,
        Subject::Minor => 1,
        Subject::Unknown => 2,
    }
}

impl Compiled {
    pub(crate) fn build(lib: &Library) -> Compiled {
        let indicator_index: FastMap<String, usize> = lib
            .indicators
            .iter()
            .enumerate()
            .map(|(i, x)| (x.id.clone(), i))
            .collect();
        let pos = |list: Vec<&str>, id: &str| list.iter().position(|x| *x == id);
        let stage_ids: Vec<&str> = lib.stages.iter().map(|s| s.id.as_str()).collect();
        let dim_ids: Vec<&str> = lib.dimensions.iter().map(|s| s.id.as_str()).collect();
        let phen_ids: Vec<&str> = lib.phenomena.iter().map(|s| s.id.as_str()).collect();
        let ind: Vec<CInd> = lib
            .indicators
            .iter()
            .map(|x| CInd {
                stage: pos(stage_ids.clone(), &x.stage).unwrap_or(0),
                dim: x
                    .dimension
                    .as_deref()
                    .and_then(|d| pos(dim_ids.clone(), d))
                    .filter(|&d| d < DIMENSIONS_MAX),
                contradicts: x
                    .contradicts
                    .iter()
                    .filter_map(|c| indicator_index.get(c).copied())
                    .collect(),
                only_for: x.only_for,
                ctx_mask: x
                    .contexts
                    .iter()
                    .filter_map(|c| lib.contexts.iter().position(|k| &k.id == c))
                    .filter(|&i| i < 64)
                    .fold(0u64, |m, i| m | (1 << i)),
            })
            .collect();
        let mut phen: Vec<CPhen> = lib.phenomena.iter().map(|_| CPhen::default()).collect();
        for (i, x) in lib.indicators.iter().enumerate() {
            for l in &x.phenomena {
                if let Some(p) = pos(phen_ids.clone(), &l.phenomenon) {
                    let ci: &CInd = &ind[i];
                    phen[p].links.push(CLink {
                        ind: i,
                        adult: l.strength,
                        minor: l.minor.unwrap_or(l.strength),
                        dim: ci.dim,
                        stage: ci.stage,
                        ctx_mask: ci.ctx_mask,
                        only_minor: ci.only_for == Some(Subject::Minor),
                    });
                }
            }
        }
        for (p, ph) in lib.phenomena.iter().enumerate() {
            for (ri, r) in lib.level_rules.iter().enumerate() {
                if !r.enabled || r.rule_set != ph.rule_set {
                    continue;
                }
                let mut subjects = [false; 3];
                for s in &r.subjects {
                    subjects[subject_slot(*s)] = true;
                }
                let groups = r
                    .dimension_groups
                    .iter()
                    .map(|g| {
                        g.iter()
                            .filter_map(|d| pos(dim_ids.clone(), d))
                            .filter(|&d| d < DIMENSIONS_MAX)
                            .fold(0u32, |m, d| m | (1 << d))
                    })
                    .collect();
                phen[p].rules.push(CRule {
                    idx: ri,
                    level: r.level,
                    subjects,
                    groups,
                    dims_min: r.dimensions_min,
                    score_min: r.score_min,
                    strong_min: r.strong_min,
                    stages_min: r.stages_min,
                });
            }
        }
        for ph in &mut phen {
            // Highest level first (stable: library order within a level), so
            // `level_of` can stop at the first rule that fires.
            ph.rules.sort_by_key(|r| std::cmp::Reverse(r.level));
        }
        Compiled {
            contexts: lib
                .contexts
                .iter()
                .enumerate()
                .map(|(i, c)| (c.id.clone(), i))
                .collect(),
            n_dims: lib.dimensions.len().min(DIMENSIONS_MAX),
            ind,
            phen,
            dim_rules: lib
                .dimension_rules
                .iter()
                .map(|r| [r.strong, r.medium, r.weak])
                .collect(),
            ind_barriers: lib
                .indicators
                .iter()
                .map(|x| {
                    lib.barriers
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| b.indicators.contains(&x.id))
                        .map(|(bi, _)| bi)
                        .collect()
                })
                .collect(),
            partner_phens: lib
                .partners
                .iter()
                .map(|pa| {
                    pa.phenomena
                        .iter()
                        .filter_map(|x| pos(phen_ids.clone(), x))
                        .collect()
                })
                .collect(),
            indicator_index,
        }
    }
}

// ---------------------------------------------------------------------------
// Evaluation.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    NotAsked,
    Yes,
    No,
    Unknown,
    /// Answered in a contradicting way; set aside until resolved.
    SetAside,
}

/// Counts for one phenomenon: per dimension and tier, plus totals.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    counts: [[u32; 3]; DIMENSIONS_MAX],
    score: u32,
    strong: u32,
    stages: u64,
}

impl Tally {
    fn add(&mut self, c: &Compiled, scoring: &Scoring, ind: usize, s: Strength) {
        if let Some(x) = c.ind.get(ind) {
            if let Some(d) = x.dim {
                self.counts[d][s.slot()] += 1;
            }
            if x.stage < STAGES_MAX {
                self.stages |= 1 << x.stage;
            }
        }
        self.score += scoring.weight(s);
        if s == Strength::Strong {
            self.strong += 1;
        }
    }

    fn dims_met(&self, c: &Compiled) -> u32 {
        let mut met = 0u32;
        for (d, counts) in self.counts.iter().enumerate().take(c.n_dims) {
            if dim_holds(c, counts) {
                met |= 1 << d;
            }
        }
        met
    }
}

fn dim_holds(c: &Compiled, counts: &[u32; 3]) -> bool {
    c.dim_rules.iter().any(|r| rule_holds(r, counts))
}

fn rule_holds(r: &[u32; 3], counts: &[u32; 3]) -> bool {
    counts[0] >= r[0] && counts[1] >= r[1] && counts[2] >= r[2]
}

/// Buffers reused across the phenomena of one assessment (fewer allocations).
#[derive(Default)]
struct Scratch {
    positives: Vec<(usize, Strength)>,
    memo: Vec<Option<(Level, u32)>>,
    ranked: Vec<(u64, usize, Level, bool)>,
}

/// The totals level rules look at (dimension counts only matter through `met`).
#[derive(Debug, Clone, Copy)]
struct Totals {
    score: u32,
    strong: u32,
    stages: u64,
    met: u32,
}

impl Tally {
    fn totals(&self, met: u32) -> Totals {
        Totals {
            score: self.score,
            strong: self.strong,
            stages: self.stages,
            met,
        }
    }
}

fn rule_fires(r: &CRule, t: &Totals, subject: Subject) -> bool {
    r.subjects[subject_slot(subject)]
        && r.groups.iter().all(|g| g & t.met != 0)
        && r.dims_min.is_none_or(|n| t.met.count_ones() >= n)
        && r.score_min.is_none_or(|n| t.score >= n)
        && r.strong_min.is_none_or(|n| t.strong >= n)
        && r.stages_min.is_none_or(|n| t.stages.count_ones() >= n)
}

/// Highest level of a firing rule. `p.rules` is sorted by level, highest first,
/// so the first rule that fires decides.
fn level_of(p: &CPhen, t: &Totals, subject: Subject) -> Level {
    p.rules
        .iter()
        .find(|r| rule_fires(r, t, subject))
        .map_or(Level::None, |r| r.level)
}

fn strength_for(l: &CLink, subject: Subject) -> Strength {
    if subject == Subject::Minor {
        l.minor
    } else {
        l.adult
    }
}

impl Library {
    /// The stamp a reading made with this library carries.
    pub fn stamp(&self) -> LibraryStamp {
        LibraryStamp {
            id: self.meta.id.clone(),
            version: self.meta.version.clone(),
            content_hash: self.content_hash.clone(),
        }
    }

    /// Check an input against this library without assessing it.
    pub fn validate_input(&self, input: &AssessmentInput) -> Result<(), InputError> {
        let c = &self.compiled;
        let mut problems = Vec::new();
        if input.observations.len() > OBSERVATIONS_MAX {
            problems.push(InputProblem {
                path: "observations".into(),
                message: format!(
                    "{} observations; at most {OBSERVATIONS_MAX} are accepted",
                    input.observations.len()
                ),
            });
        }
        if let Some(ctx) = &input.context {
            if !c.contexts.contains_key(ctx) {
                let mut known: Vec<&str> = c.contexts.keys().map(String::as_str).collect();
                known.sort_unstable();
                problems.push(InputProblem {
                    path: "context".into(),
                    message: format!("unknown context '{ctx}'; known: {}", known.join(", ")),
                });
            }
        }
        if let Some(lang) = &input.language {
            if !self.meta.languages.contains(lang) {
                problems.push(InputProblem {
                    path: "language".into(),
                    message: format!(
                        "unknown language '{lang}'; known: {}",
                        self.meta.languages.join(", ")
                    ),
                });
            }
        }
        for (i, o) in input.observations.iter().enumerate() {
            if !c.indicator_index.contains_key(&o.indicator) {
                problems.push(InputProblem {
                    path: format!("observations[{i}].indicator"),
                    message: format!(
                        "unknown indicator '{}' in library {} {}",
                        o.indicator, self.meta.id, self.meta.version
                    ),
                });
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(InputError { problems })
        }
    }

    /// Assess one set of observations. Deterministic: equal inputs give equal readings.
    pub fn assess(&self, input: &AssessmentInput) -> Result<Reading<'_>, InputError> {
        self.validate_input(input)?;
        let c = &self.compiled;
        let lang: &str = input
            .language
            .as_deref()
            .and_then(|l| self.meta.languages.iter().find(|x| *x == l))
            .map_or("en", String::as_str);
        let n = self.indicators.len();
        let mut state = vec![State::NotAsked; n];
        let mut contradictions = Vec::new();
        let mut conflicted = vec![false; n];

        for o in &input.observations {
            let Some(&i) = c.indicator_index.get(&o.indicator) else {
                continue;
            };
            state[i] = match (state[i], o.answer) {
                (State::SetAside, _) => State::SetAside,
                (State::NotAsked | State::Unknown, Answer::Yes) => State::Yes,
                (State::NotAsked | State::Unknown, Answer::No) => State::No,
                (State::NotAsked | State::Unknown, Answer::Unknown) => State::Unknown,
                (s @ (State::Yes | State::No), Answer::Unknown) => s,
                (State::Yes, Answer::Yes) => State::Yes,
                (State::No, Answer::No) => State::No,
                (State::Yes, Answer::No) | (State::No, Answer::Yes) => {
                    conflicted[i] = true;
                    State::SetAside
                }
            };
        }
        for (i, _) in conflicted.iter().enumerate().filter(|(_, &x)| x) {
            contradictions.push(Contradiction {
                kind: ContradictionKind::ConflictingAnswers,
                indicators: vec![self.indicators[i].id.as_str()],
                explanation: format!(
                    "'{}' was answered both yes and no; it is set aside until the answer is settled",
                    self.indicators[i].id
                ),
            });
        }
        if input.subject == Subject::Adult {
            for (i, st) in state.iter_mut().enumerate() {
                if *st == State::Yes && c.ind[i].only_for == Some(Subject::Minor) {
                    *st = State::SetAside;
                    contradictions.push(Contradiction {
                        kind: ContradictionKind::WrongSubject,
                        indicators: vec![self.indicators[i].id.as_str()],
                        explanation: format!(
                            "'{}' only applies to minors but the subject is recorded as adult; \
                             it is set aside — check the person's age",
                            self.indicators[i].id
                        ),
                    });
                }
            }
        }
        // Mutually exclusive indicators both answered yes: set both aside.
        let yes_now: Vec<bool> = state.iter().map(|s| *s == State::Yes).collect();
        for i in 0..n {
            if !yes_now[i] {
                continue;
            }
            for &j in &c.ind[i].contradicts {
                let first_time = i < j || !c.ind[j].contradicts.contains(&i);
                if yes_now[j] && first_time {
                    state[i] = State::SetAside;
                    state[j] = State::SetAside;
                    let (a, b) = (&self.indicators[i].id, &self.indicators[j].id);
                    let mut pair = vec![a.as_str(), b.as_str()];
                    pair.sort_by_key(|id| c.indicator_index.get(*id).copied());
                    contradictions.push(Contradiction {
                        kind: ContradictionKind::ContradictingIndicators,
                        indicators: pair,
                        explanation: format!(
                            "'{a}' and '{b}' cannot both be true; both are set aside until it is clear which one holds"
                        ),
                    });
                }
            }
        }

        let ids_in = |want: State| -> Vec<&str> {
            (0..n)
                .filter(|&i| state[i] == want)
                .map(|i| self.indicators[i].id.as_str())
                .collect()
        };
        let observed_yes = ids_in(State::Yes);
        let observed_no = ids_in(State::No);
        let observed_unknown = ids_in(State::Unknown);

        let mut scratch = Scratch::default();
        let phenomena: Vec<PhenomenonReading> = self
            .phenomena
            .iter()
            .enumerate()
            .map(|(p, ph)| {
                self.read_phenomenon(p, ph, &c.phen[p], &state, input, lang, &mut scratch)
            })
            .collect();
        let highest_level = phenomena
            .iter()
            .map(|p| p.level)
            .max()
            .unwrap_or(Level::None);
        Ok(Reading {
            library: self.stamp(),
            subject: input.subject,
            context: input
                .context
                .as_deref()
                .and_then(|x| c.contexts.get_key_value(x))
                .map(|(k, _)| k.as_str()),
            language: lang,
            highest_level,
            observed_yes,
            observed_no,
            observed_unknown,
            contradictions,
            phenomena,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn read_phenomenon<'a>(
        &'a self,
        p: usize,
        ph: &'a Phenomenon,
        cp: &CPhen,
        state: &[State],
        input: &AssessmentInput,
        lang: &str,
        scratch: &mut Scratch,
    ) -> PhenomenonReading<'a> {
        let c = &self.compiled;
        let subject = input.subject;
        let mut tally = Tally::default();
        let mut positives = std::mem::take(&mut scratch.positives);
        positives.clear();
        for l in &cp.links {
            if state[l.ind] == State::Yes {
                let s = strength_for(l, subject);
                tally.add(c, &self.scoring, l.ind, s);
                positives.push((l.ind, s));
            }
        }
        // Links are built in indicator order, so positives are in library order.
        let met = tally.dims_met(c);
        let level = level_of(cp, &tally.totals(met), subject);

        let level_if_minor = if subject == Subject::Unknown && !positives.is_empty() {
            let mut t = Tally::default();
            for l in cp.links.iter().filter(|l| state[l.ind] == State::Yes) {
                t.add(c, &self.scoring, l.ind, l.minor);
            }
            let lm = level_of(cp, &t.totals(t.dims_met(c)), Subject::Minor);
            (lm > level).then_some(lm)
        } else {
            None
        };

        let id_of = |i: usize| self.indicators[i].id.as_str();
        let dim_of = |i: usize| c.ind[i].dim;
        let mut fired = Vec::with_capacity(
            met.count_ones() as usize * c.dim_rules.len().min(2) + cp.rules.len(),
        );
        for (d, dim) in self.dimensions.iter().enumerate().take(DIMENSIONS_MAX) {
            if met & (1 << d) == 0 {
                continue;
            }
            for (ri, r) in c.dim_rules.iter().enumerate() {
                if !rule_holds(r, &tally.counts[d]) {
                    continue;
                }
                let rule = &self.dimension_rules[ri];
                fired.push(FiredRule {
                    rule: rule.id.as_str(),
                    kind: RuleKind::Dimension,
                    dimension: Some(dim.id.as_str()),
                    level: None,
                    indicators: positives
                        .iter()
                        .filter(|(i, s)| dim_of(*i) == Some(d) && r[s.slot()] > 0)
                        .map(|(i, _)| id_of(*i))
                        .collect(),
                    explanation: rule.description.get(lang),
                });
            }
        }
        // Explain fired level rules in library order, not evaluation order.
        let totals = tally.totals(met);
        let mut fired_levels: Vec<&CRule> = cp
            .rules
            .iter()
            .filter(|r| rule_fires(r, &totals, subject))
            .collect();
        fired_levels.sort_by_key(|r| r.idx);
        for r in fired_levels {
            let rule = &self.level_rules[r.idx];
            let group_dims = r.groups.iter().fold(0u32, |m, g| m | g) & met;
            let uses_all = r.score_min.is_some() || r.stages_min.is_some();
            let indicators = positives
                .iter()
                .filter(|(i, s)| {
                    let in_dim = dim_of(*i).is_some_and(|d| {
                        (group_dims & (1 << d) != 0)
                            || (r.dims_min.is_some() && met & (1 << d) != 0)
                    });
                    uses_all || in_dim || (r.strong_min.is_some() && *s == Strength::Strong)
                })
                .map(|(i, _)| id_of(*i))
                .collect();
            fired.push(FiredRule {
                rule: rule.id.as_str(),
                kind: RuleKind::Level,
                dimension: None,
                level: Some(r.level),
                indicators,
                explanation: rule.description.get(lang),
            });
        }

        let open_questions = self.open_questions(
            cp,
            &tally,
            level,
            state,
            input,
            lang,
            positives.is_empty(),
            scratch,
        );

        let mut barriers = Vec::new();
        if level >= self.recommend.barriers_from && level > Level::None {
            // Count matches per barrier without allocating, then build only
            // the advice that is given.
            let mut hits = [0u16; 256];
            let counted = self.barriers.len() <= hits.len();
            if counted {
                for (i, _) in &positives {
                    for &bi in &c.ind_barriers[*i] {
                        hits[bi] += 1;
                    }
                }
            }
            for (bi, b) in self.barriers.iter().enumerate() {
                if counted && hits[bi] == 0 {
                    continue;
                }
                let inds: Vec<&str> = positives
                    .iter()
                    .filter(|(i, _)| c.ind_barriers[*i].contains(&bi))
                    .map(|(i, _)| id_of(*i))
                    .collect();
                if !inds.is_empty() {
                    barriers.push(BarrierAdvice {
                        barrier: b.id.as_str(),
                        name: b.name.get(lang),
                        stage: b.stage.as_str(),
                        indicators: inds,
                    });
                }
            }
        }
        // Most matching indicators first; the sort is stable, so library order
        // decides among equals.
        barriers.sort_by_key(|b| std::cmp::Reverse(b.indicators.len()));
        let mut partners = Vec::new();
        if level >= self.recommend.partners_from && level > Level::None {
            for (pi, phens) in c.partner_phens.iter().enumerate() {
                let pa = &self.partners[pi];
                let subject_ok = pa.subjects.is_empty()
                    || pa.subjects.contains(&subject)
                    || (subject == Subject::Unknown && level_if_minor.is_some());
                if phens.contains(&p) && subject_ok {
                    partners.push(pa.id.as_str());
                }
            }
        }

        let mut stage_list = Vec::new();
        for (si, s) in self.stages.iter().enumerate().take(STAGES_MAX) {
            if tally.stages & (1 << si) != 0 {
                stage_list.push(s.id.as_str());
            }
        }
        let indicators = positives.iter().map(|(i, _)| id_of(*i)).collect();
        scratch.positives = positives;
        PhenomenonReading {
            phenomenon: ph.id.as_str(),
            name: ph.name.get(lang),
            level,
            level_if_minor,
            score: tally.score,
            indicators,
            dimensions_met: self
                .dimensions
                .iter()
                .enumerate()
                .filter(|(d, _)| *d < DIMENSIONS_MAX && met & (1 << d) != 0)
                .map(|(_, d)| d.id.as_str())
                .collect(),
            stages: stage_list,
            fired_rules: fired,
            open_questions,
            barriers,
            partners,
        }
    }

    /// The most informative questions still open for one phenomenon: those whose
    /// "yes" would raise the level most, then those that would complete a
    /// dimension, then by strength; contradictions and "unknown" answers first
    /// among equals; then indicators seen in the input's context; then library order.
    #[allow(clippy::too_many_arguments)]
    fn open_questions(
        &self,
        cp: &CPhen,
        tally: &Tally,
        level: Level,
        state: &[State],
        input: &AssessmentInput,
        lang: &str,
        no_positives: bool,
        scratch: &mut Scratch,
    ) -> Vec<OpenQuestion<'_>> {
        let c = &self.compiled;
        let subject = input.subject;
        let any_unresolved = cp.links.iter().any(|l| state[l.ind] == State::SetAside);
        if (no_positives && !any_unresolved) || self.recommend.questions_max == 0 {
            return Vec::new();
        }
        let met = tally.dims_met(c);
        let ctx_bit = input
            .context
            .as_ref()
            .and_then(|ctx| c.contexts.get(ctx))
            .map_or(0u64, |&i| if i < 64 { 1 << i } else { 0 });
        let k = self.recommend.questions_max as usize;
        let memo = &mut scratch.memo;
        memo.clear();
        memo.resize((c.n_dims + 1) * 3 * 2, None);
        let ranked = &mut scratch.ranked;
        ranked.clear();
        for l in &cp.links {
            let st = state[l.ind];
            if !matches!(st, State::NotAsked | State::Unknown | State::SetAside) {
                continue;
            }
            if subject == Subject::Adult && l.only_minor {
                continue;
            }
            let s = strength_for(l, subject);
            let x = l;
            // The what-if result depends only on the dimension, the strength and
            // whether the stage is new (rules count stages, they do not name
            // them): compute it once per combination and reuse it.
            let stage_bit = if x.stage < STAGES_MAX {
                1u64 << x.stage
            } else {
                0
            };
            let new_stage = tally.stages & stage_bit == 0;
            let slot = (x.dim.map_or(0, |d| d + 1) * 3 + s.slot()) * 2 + usize::from(new_stage);
            let (reach, new_dims) = match memo.get(slot).copied().flatten() {
                Some(hit) => hit,
                None => {
                    // Adding one indicator only changes its own dimension.
                    let m2 = match x.dim {
                        Some(d) => {
                            let mut counts = tally.counts[d];
                            counts[s.slot()] += 1;
                            if dim_holds(c, &counts) {
                                met | (1 << d)
                            } else {
                                met
                            }
                        }
                        None => met,
                    };
                    let t = Totals {
                        score: tally.score + self.scoring.weight(s),
                        strong: tally.strong + u32::from(s == Strength::Strong),
                        stages: tally.stages | stage_bit,
                        met: m2,
                    };
                    let hit = (level_of(cp, &t, subject), (m2 & !met).count_ones());
                    if let Some(m) = memo.get_mut(slot) {
                        *m = Some(hit);
                    }
                    hit
                }
            };
            let in_context = ctx_bit & l.ctx_mask != 0;
            // Packed rank, smaller is better: level reached, then "needs resolving",
            // then dimensions completed, strength, answered "unknown", seen in this
            // context, and finally library order (which makes the order total).
            let key: u64 = ((Level::Strong as u64 - reach as u64) << 40)
                | (u64::from(st != State::SetAside) << 39)
                | (u64::from(15u32.saturating_sub(new_dims)) << 35)
                | ((Strength::Strong as u64 - s as u64) << 33)
                | (u64::from(st != State::Unknown) << 32)
                | (u64::from(!in_context) << 31)
                | (l.ind as u64 & 0x7fff_ffff);
            // Keep only the best `k`: a full sort of every candidate costs more
            // than the rest of the assessment.
            if ranked.len() == k && ranked.last().is_some_and(|w| key >= w.0) {
                continue;
            }
            let pos = ranked.partition_point(|(k2, ..)| *k2 < key);
            if pos < k {
                ranked.insert(pos, (key, l.ind, reach, st == State::SetAside));
                ranked.truncate(k);
            }
        }
        ranked
            .iter()
            .map(|&(_, i, reach, unresolved)| {
                let x = &self.indicators[i];
                OpenQuestion {
                    indicator: x.id.as_str(),
                    question: x.questions.first().map_or("", |q| q.get(lang)),
                    would_reach: reach.max(level),
                    unresolved,
                }
            })
            .collect()
    }
}
