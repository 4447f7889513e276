//! The batch pipeline: normalise → block → compare → train → score → threshold →
//! cluster, over a whole [`Dataset`] in memory (a million records take a few hundred
//! megabytes), parallel with rayon, deterministic for the same input and seed.

use std::io::{self, Write};

use baken_domain::identifiers::Country;
use rand::Rng;
use rayon::prelude::*;

use crate::block::{candidate_pairs, KeyOptions};
use crate::cluster::{cluster, ClusterOptions, Scored};
use crate::compare::{compare_full, Cmp, Gamma, Side, N_CMP};
use crate::dict::{empty_rec, merge_piece, Dicts, FxHashMap, Piece, Rec, Strs};
use crate::model::{bits_of, probability, Explanation, Model, Params};
use crate::normalise::{normalise_field, NormRecord, MERGE_ORDER};
use crate::schema::{Field, FieldSet, RawRecord};
use crate::table::ColumnBatch;
use crate::train::{estimate_m_and_lambda, estimate_u, SessionPairs, TrainOptions, TrainReport};

/// One input row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputRow {
    /// 0 for the first input, 1 for the second.
    pub source: u8,
    pub id: String,
    /// Ground-truth entity id, for benchmarks only.
    pub truth: Option<String>,
    pub raw: RawRecord,
}

/// Records normalised and interned.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub ids: Vec<Box<str>>,
    pub truth: Vec<Option<Box<str>>>,
    pub recs: Vec<Rec>,
    pub dicts: Dicts,
    pub fields: FieldSet,
    pub country: Country,
    /// Per field (non-identifier fields only), the interned piece of every distinct
    /// raw value seen in earlier batches: a value seen before is neither normalised
    /// nor interned again (interning it again would change nothing). Bounded by
    /// [`PIECE_CACHE_MAX`] values per field; emptied by [`Dataset::finish_loading`].
    piece_cache: Vec<(Field, FxHashMap<Box<str>, Piece>)>,
    /// The new values of the latest batch with their pieces, moved into the piece
    /// cache only when another batch arrives: a table read in one batch (a Parquet
    /// file of one row group) never pays for the cache.
    pending_cache: Vec<(Field, NewValues)>,
}

/// A batch's new raw values of one field with their pieces.
type NewValues = Vec<(Box<str>, Piece)>;

/// The pending cache entries of a batch: `news` from `push_unique`, with each value's
/// string from `value(field position, value position)`.
fn pending(
    fields: &[Field],
    news: Vec<(usize, Vec<(u32, Piece)>)>,
    mut value: impl FnMut(usize, usize) -> Box<str>,
) -> Vec<(Field, NewValues)> {
    news.into_iter()
        .map(|(k, ps)| {
            let vals = ps
                .into_iter()
                .map(|(i, p)| (value(k, i as usize), p))
                .collect();
            (fields[k], vals)
        })
        .collect()
}

/// Most raw values remembered per field by the piece cache.
const PIECE_CACHE_MAX: usize = 1 << 21;

impl Dataset {
    pub fn new(fields: FieldSet, country: Country) -> Self {
        Self {
            ids: Vec::new(),
            truth: Vec::new(),
            recs: Vec::new(),
            dicts: Dicts::default(),
            fields,
            country,
            piece_cache: Vec::new(),
            pending_cache: Vec::new(),
        }
    }

    /// Frees the memory only needed while batches are being added.
    pub fn finish_loading(&mut self) {
        self.piece_cache = Vec::new();
        self.pending_cache = Vec::new();
    }

    /// Moves the previous batch's new values into the piece cache.
    fn flush_pending_cache(&mut self) {
        for (f, news) in std::mem::take(&mut self.pending_cache) {
            let Some((_, c)) = self.piece_cache.iter_mut().find(|(g, _)| *g == f) else {
                continue;
            };
            for (v, p) in news {
                if c.len() >= PIECE_CACHE_MAX {
                    break;
                }
                c.insert(v, p);
            }
        }
    }

    /// Adds rows: every distinct value of a field is normalised (in parallel) and
    /// interned once, records are assembled from those pieces (in parallel), and term
    /// frequencies counted per dictionary (in parallel).
    pub fn push_batch(&mut self, rows: Vec<InputRow>) {
        // Distinct values per field, and each row's index into them.
        let fields: Vec<Field> = MERGE_ORDER
            .into_iter()
            .filter(|f| rows.iter().any(|r| r.raw.get(*f).is_some()))
            .collect();
        let mut uniq: Vec<Vec<&str>> = vec![Vec::new(); fields.len()];
        let mut slot: Vec<Vec<u32>> = vec![Vec::with_capacity(rows.len()); fields.len()];
        for (k, f) in fields.iter().enumerate() {
            let mut seen: FxHashMap<&str, u32> = FxHashMap::default();
            for r in &rows {
                let id = match r.raw.get(*f) {
                    Some(v) => *seen.entry(v).or_insert_with(|| {
                        uniq[k].push(v);
                        (uniq[k].len() - 1) as u32
                    }),
                    None => u32::MAX,
                };
                slot[k].push(id);
            }
        }
        let sources: Vec<u8> = rows.iter().map(|r| r.source).collect();
        let news = self.push_unique(&fields, &uniq, &slot, &sources);
        self.pending_cache = pending(&fields, news, |k, i| Box::from(uniq[k][i]));
        drop(uniq);
        for row in rows {
            self.ids.push(row.id.into_boxed_str());
            self.truth.push(row.truth.map(String::into_boxed_str));
        }
    }

    /// Adds a batch read by column (a Parquet row group): values are already
    /// distinct per column, so no string is made per cell.
    pub fn push_columns(&mut self, mut b: ColumnBatch) {
        let pos = |f: Field| {
            MERGE_ORDER
                .iter()
                .position(|m| *m == f)
                .unwrap_or(usize::MAX)
        };
        b.fields.sort_by_key(|(f, _)| pos(*f));
        let fields: Vec<Field> = b.fields.iter().map(|(f, _)| *f).collect();
        let slot: Vec<Vec<u32>> = b
            .fields
            .iter_mut()
            .map(|(_, c)| std::mem::take(&mut c.slots))
            .collect();
        let uniq: Vec<Vec<&str>> = b
            .fields
            .iter()
            .map(|(_, c)| c.values.iter().map(String::as_str).collect())
            .collect();
        let sources = vec![b.source; b.rows];
        let news = self.push_unique(&fields, &uniq, &slot, &sources);
        drop(uniq);
        // The batch's strings are moved, not copied, into the pending cache.
        self.pending_cache = pending(&fields, news, |k, i| {
            std::mem::take(&mut b.fields[k].1.values[i]).into_boxed_str()
        });
        // Ids are usually all distinct (then the column's values are the ids in row
        // order, and are moved rather than copied).
        let ids = b.ids;
        if ids.values.len() == b.rows && ids.slots.iter().enumerate().all(|(i, &s)| s as usize == i)
        {
            self.ids
                .extend(ids.values.into_iter().map(String::into_boxed_str));
        } else {
            self.ids
                .extend((0..b.rows).map(|r| Box::from(ids.get(r).unwrap_or_default())));
        }
        match &b.truth {
            Some(t) => self
                .truth
                .extend((0..b.rows).map(|r| t.get(r).map(Box::from))),
            None => self.truth.extend((0..b.rows).map(|_| None)),
        }
    }

    /// Every distinct value of a field is normalised (in parallel) and interned once,
    /// records are assembled from those pieces (in parallel), and term frequencies are
    /// counted per dictionary (in parallel). `fields` must be in [`MERGE_ORDER`].
    /// Returns, per cached field (by position in `fields`), the values that were new
    /// (by position in `uniq`) with their pieces, for the piece cache.
    fn push_unique(
        &mut self,
        fields: &[Field],
        uniq: &[Vec<&str>],
        slot: &[Vec<u32>],
        sources: &[u8],
    ) -> Vec<(usize, Vec<(u32, Piece)>)> {
        self.flush_pending_cache();
        let country = self.country;
        // Identifier fields (phone, e-mail, ids, company) touch only their own
        // dictionaries: they are interned on a second thread, in the same order as
        // always. Their values are mostly distinct, so they are not cached.
        let is_id = |f: &Field| {
            matches!(
                f,
                Field::Phone
                    | Field::Email
                    | Field::NationalId
                    | Field::Iban
                    | Field::Kvk
                    | Field::Kbo
                    | Field::Plate
                    | Field::OtherId
                    | Field::Company
            )
        };
        for f in fields {
            if !is_id(f) && !self.piece_cache.iter().any(|(g, _)| g == f) {
                self.piece_cache.push((*f, FxHashMap::default()));
            }
        }
        let cache_of = |f: &Field| {
            self.piece_cache
                .iter()
                .find(|(g, _)| g == f)
                .map(|(_, c)| c)
        };
        // Values seen in earlier batches take their piece from the cache; the others
        // are normalised (in parallel).
        let cached: Vec<Vec<Option<Piece>>> = fields
            .iter()
            .zip(uniq)
            .map(|(f, vals)| match cache_of(f) {
                Some(c) if !c.is_empty() => vals.par_iter().map(|v| c.get(*v).copied()).collect(),
                _ => vec![None; vals.len()],
            })
            .collect();
        let norms: Vec<Vec<Option<NormRecord>>> = fields
            .iter()
            .zip(uniq)
            .zip(&cached)
            .map(|((f, vals), hit)| {
                vals.par_iter()
                    .zip(hit)
                    .map(|(v, h)| h.is_none().then(|| normalise_field(*f, v, country)))
                    .collect()
            })
            .collect();
        // Intern each new distinct value once (in order: ids are deterministic; a
        // cached value was interned when first seen) …
        let intern = |d: &mut Dicts, ns: &[Option<NormRecord>], hit: &[Option<Piece>]| {
            ns.iter()
                .zip(hit)
                .map(|(n, h)| match (h, n) {
                    (Some(p), _) => *p,
                    (None, Some(n)) => d.intern_piece(n),
                    (None, None) => unreachable!("a value is either cached or normalised"),
                })
                .collect::<Vec<Piece>>()
        };
        let mut side = self.dicts.take_identifiers();
        let main = &mut self.dicts;
        type Part = Vec<Option<Vec<Piece>>>;
        let (main_pieces, side_pieces): (Part, Part) = rayon::join(
            || {
                fields
                    .iter()
                    .zip(&norms)
                    .zip(&cached)
                    .map(|((f, ns), hit)| (!is_id(f)).then(|| intern(main, ns, hit)))
                    .collect()
            },
            || {
                fields
                    .iter()
                    .zip(&norms)
                    .zip(&cached)
                    .map(|((f, ns), hit)| is_id(f).then(|| intern(&mut side, ns, hit)))
                    .collect()
            },
        );
        self.dicts.put_identifiers(side);
        let pieces: Vec<Vec<Piece>> = main_pieces
            .into_iter()
            .zip(side_pieces)
            .map(|(m, s)| m.or(s).unwrap_or_default())
            .collect();
        drop(norms);
        // The new values' pieces, for the cache.
        let news: Vec<(usize, Vec<(u32, Piece)>)> = fields
            .iter()
            .enumerate()
            .filter(|(_, f)| !is_id(f))
            .map(|(k, _)| {
                let new = cached[k]
                    .iter()
                    .zip(&pieces[k])
                    .enumerate()
                    .filter(|(_, (h, _))| h.is_none())
                    .map(|(i, (_, p))| (i as u32, *p))
                    .collect();
                (k, new)
            })
            .collect();
        // … assemble records from the pieces by field precedence …
        let recs: Vec<Rec> = sources
            .par_iter()
            .enumerate()
            .map(|(i, &source)| {
                let mut r = empty_rec(source);
                for (k, f) in fields.iter().enumerate() {
                    let id = slot[k][i];
                    if id != u32::MAX {
                        merge_piece(&mut r, &pieces[k][id as usize], *f == Field::Street);
                    }
                }
                r
            })
            .collect();
        // … and count the values the records ended up with.
        self.dicts.count_records(&recs);
        self.recs.extend(recs);
        news
    }

    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }

    pub fn side(&self, i: u32) -> Side<'_> {
        let r = &self.recs[i as usize];
        Side {
            r,
            s: Strs::of(&self.dicts, r),
        }
    }

    /// Number of sources present (1 = deduplicate, 2 = link).
    pub fn sources(&self) -> usize {
        self.recs
            .iter()
            .map(|r| r.source)
            .max()
            .map_or(0, |m| m as usize + 1)
    }
}

/// Which comparisons a set of mapped fields supports.
pub fn active_comparisons(f: FieldSet) -> [bool; N_CMP] {
    let mut a = [false; N_CMP];
    a[Cmp::GivenName as usize] = f.any(&[Field::GivenName, Field::FullName]);
    a[Cmp::Surname as usize] = f.any(&[Field::Surname, Field::FullName]);
    a[Cmp::BirthDate as usize] = f.contains(Field::BirthDate);
    a[Cmp::Address as usize] =
        f.any(&[Field::Street, Field::Address, Field::Postcode, Field::City]);
    a[Cmp::Phone as usize] = f.contains(Field::Phone);
    a[Cmp::NationalId as usize] = f.contains(Field::NationalId);
    a[Cmp::Email as usize] = f.contains(Field::Email);
    a[Cmp::OtherId as usize] = f.contains(Field::OtherId);
    a[Cmp::Company as usize] = f.contains(Field::Company);
    a[Cmp::RegisteredId as usize] = f.any(&[Field::Iban, Field::Kvk, Field::Kbo, Field::Plate]);
    a
}

/// How the link threshold is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Threshold {
    /// The threshold that maximises the F1 the model itself expects: with p the
    /// match probability of each candidate pair, expected true positives above t are
    /// Σp over pairs above t and expected true pairs Σp over all. Needs no labels.
    Auto,
    /// A fixed match probability.
    Probability(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkOptions {
    pub block_size_max: usize,
    pub keys: KeyOptions,
    pub train: TrainOptions,
    pub threshold: Threshold,
    pub cluster: ClusterOptions,
    pub hard_link_registered: bool,
}

impl Default for LinkOptions {
    fn default() -> Self {
        Self {
            block_size_max: 64,
            keys: KeyOptions::default(),
            train: TrainOptions::default(),
            threshold: Threshold::Auto,
            cluster: ClusterOptions::default(),
            hard_link_registered: true,
        }
    }
}

/// Everything a batch run produces.
#[derive(Debug, Clone)]
pub struct LinkResult {
    pub model: Model,
    pub report: TrainReport,
    /// Every candidate pair with its weight, in (a, b) order.
    pub scored: Vec<Scored>,
    pub threshold_bits: f64,
    /// Cluster representative per record.
    pub clusters: Vec<u32>,
    pub chain_refusals: usize,
}

impl LinkResult {
    /// The pairs at or above the threshold.
    pub fn links(&self) -> impl Iterator<Item = &Scored> {
        let t = self.threshold_bits as f32;
        self.scored.iter().filter(move |s| s.bits >= t)
    }
}

/// Steps of a run, reported to a progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Blocking,
    Comparing { pairs: usize },
    Training,
    Scoring,
    Clustering,
}

/// Runs the whole pipeline. `rng` is used only for u sampling.
pub fn link<R: Rng>(
    ds: &Dataset,
    opts: &LinkOptions,
    rng: &mut R,
    mut progress: impl FnMut(Stage),
) -> LinkResult {
    let link_only = ds.sources() > 1;
    progress(Stage::Blocking);
    let pairs = candidate_pairs(&ds.recs, opts.block_size_max, opts.keys, link_only);
    progress(Stage::Comparing { pairs: pairs.len() });
    let mut params = Params::defaults(active_comparisons(ds.fields));
    params.hard_link_registered = opts.hard_link_registered;
    let active = params.active;
    let (gammas, swapped): (Vec<Gamma>, Vec<bool>) = pairs
        .par_iter()
        .map(|&(a, b)| compare_full(&ds.side(a), &ds.side(b), &active))
        .unzip();
    progress(Stage::Training);
    let mut report = TrainReport::default();
    estimate_u(
        &ds.recs,
        &ds.dicts,
        &mut params,
        opts.train.u_pairs,
        link_only,
        rng,
    );
    report.u_pairs = opts.train.u_pairs;
    let n = ds.len() as f64;
    let n_total_pairs = if link_only {
        let n0 = ds.recs.iter().filter(|r| r.source == 0).count() as f64;
        n0 * (n - n0)
    } else {
        n * (n - 1.0) / 2.0
    };
    let source = SessionPairs::Records {
        recs: &ds.recs,
        dicts: &ds.dicts,
        link_only,
    };
    estimate_m_and_lambda(
        &mut params,
        &gammas,
        n_total_pairs,
        &opts.train,
        source,
        &mut report,
    );
    let model = Model::new(params);
    progress(Stage::Scoring);
    // The dictionaries term frequencies come from (see `model::tf_bits`).
    for d in [&ds.dicts.given, &ds.dicts.surname, &ds.dicts.street] {
        d.prepare_tf();
    }
    let scored: Vec<Scored> = pairs
        .par_iter()
        .zip(gammas.par_iter().zip(swapped.par_iter()))
        .map(|(&(a, b), (g, swapped))| Scored {
            a,
            b,
            bits: model.score_gamma(&ds.dicts, g, *swapped, &ds.recs[b as usize]) as f32,
        })
        .collect();
    drop((pairs, gammas, swapped));
    let threshold_bits = match opts.threshold {
        Threshold::Probability(p) => bits_of(p),
        Threshold::Auto => expected_f1_threshold(&scored),
    };
    progress(Stage::Clustering);
    let t = threshold_bits as f32;
    let above: Vec<Scored> = scored.iter().filter(|s| s.bits >= t).copied().collect();
    let (clusters, chain_refusals) = cluster(ds.len(), &above, opts.cluster);
    LinkResult {
        model,
        report,
        scored,
        threshold_bits,
        clusters,
        chain_refusals,
    }
}

/// The weight threshold maximising the model's own expected F1 (see
/// [`Threshold::Auto`]). Never below probability 0.5.
pub fn expected_f1_threshold(scored: &[Scored]) -> f64 {
    let mut bits: Vec<f32> = scored.iter().map(|s| s.bits).collect();
    bits.par_sort_unstable_by(|a, b| b.total_cmp(a));
    let expected_true: f64 = bits.iter().map(|&b| probability(f64::from(b))).sum();
    let mut tp = 0.0;
    let mut best = (0.0f64, 0.0f64);
    for (k, &b) in bits.iter().enumerate() {
        tp += probability(f64::from(b));
        let f1 = 2.0 * tp / ((k + 1) as f64 + expected_true);
        if f1 > best.0 {
            best = (f1, f64::from(b));
        }
    }
    best.1.max(0.0)
}

fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// Explanation of one pair of the dataset.
pub fn explain_pair(ds: &Dataset, model: &Model, a: u32, b: u32) -> Explanation {
    model.explain(&ds.dicts, &ds.side(a), &ds.side(b))
}

/// Writes the links above the threshold as CSV:
/// `left_id,right_id,probability,weight_bits,explanation`, the explanation in the
/// compact form of [`Model::write_compact`] (levels and weights; the values are in
/// the input).
pub fn write_links<W: Write>(ds: &Dataset, result: &LinkResult, w: &mut W) -> io::Result<()> {
    writeln!(w, "left_id,right_id,probability,weight_bits,explanation")?;
    let links: Vec<&Scored> = result.links().collect();
    let active = result.model.params.active;
    for chunk in links.chunks(16_384) {
        let text: Vec<String> = chunk
            .par_chunks(256)
            .map(|part| {
                let mut out = String::with_capacity(part.len() * 200);
                for s in part {
                    let (g, swapped) = compare_full(&ds.side(s.a), &ds.side(s.b), &active);
                    let rb = &ds.recs[s.b as usize];
                    out.push_str(&csv_field(&ds.ids[s.a as usize]));
                    out.push(',');
                    out.push_str(&csv_field(&ds.ids[s.b as usize]));
                    out.push(',');
                    result
                        .model
                        .write_scored_compact(&ds.dicts, &g, swapped, rb, &mut out);
                    out.push('\n');
                }
                out
            })
            .collect();
        for t in text {
            w.write_all(t.as_bytes())?;
        }
    }
    Ok(())
}

/// Writes `record_id,cluster_id,source` for every record; the cluster id is the id
/// of the cluster's first record.
pub fn write_clusters<W: Write>(ds: &Dataset, result: &LinkResult, w: &mut W) -> io::Result<()> {
    writeln!(w, "record_id,cluster_id,source")?;
    // Formatted in parallel, in order.
    for chunk in result.clusters.chunks(65_536 * 4).enumerate() {
        let (k, cs) = chunk;
        let base = k * 65_536 * 4;
        let text: Vec<String> = cs
            .par_chunks(4_096)
            .enumerate()
            .map(|(j, part)| {
                let mut out = String::with_capacity(part.len() * 32);
                for (o, &c) in part.iter().enumerate() {
                    let i = base + j * 4_096 + o;
                    out.push_str(&csv_field(&ds.ids[i]));
                    out.push(',');
                    out.push_str(&csv_field(&ds.ids[c as usize]));
                    out.push(',');
                    let src = ds.recs[i].source;
                    if src >= 100 {
                        out.push(char::from(b'0' + src / 100));
                    }
                    if src >= 10 {
                        out.push(char::from(b'0' + src / 10 % 10));
                    }
                    out.push(char::from(b'0' + src % 10));
                    out.push('\n');
                }
                out
            })
            .collect();
        for t in text {
            w.write_all(t.as_bytes())?;
        }
    }
    Ok(())
}
