//! `baken link …` and `baken bench link|gen|online …`: command-line glue around the
//! pure `baken-link` engine. This module opens files, shows progress on a terminal,
//! measures time and memory, and writes outputs atomically (a temporary file in the
//! target directory, renamed into place only when everything succeeded).
//!
//! Dependencies this module needs in `crates/baken/Cargo.toml`:
//!   anyhow = { workspace = true }
//!   clap = { workspace = true }
//!   rand = { workspace = true }
//!   tempfile = { workspace = true }
//!   baken-link = { workspace = true }          # default feature `parquet`

use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use baken_link::batch::{write_clusters, write_links, Stage};
use baken_link::eval::{evaluate, Evaluation, Prf};
use baken_link::table::{read_csv, read_parquet, read_parquet_columns, InputError};
use baken_link::{link, Dataset, FieldSet, InputRow, LinkIndex, LinkResult, Mapping, RawRecord};
use rand::rngs::StdRng;
use rand::SeedableRng;

/// Rows normalised per batch while reading (bounds the memory of raw rows).
const READ_BATCH_ROWS: usize = 65_536;

#[derive(Debug, clap::Args)]
pub struct LinkArgs {
    /// Input table (CSV, or Parquet by extension `.parquet`). Once: deduplicate it;
    /// twice: link the two.
    #[arg(long = "input", required = true, num_args = 1)]
    pub inputs: Vec<PathBuf>,
    /// Mapping file (TOML), see docs/linking.md.
    #[arg(long)]
    pub mapping: PathBuf,
    /// Where to write the links (CSV).
    #[arg(long)]
    pub output: PathBuf,
    /// Where to write the clusters (CSV).
    #[arg(long)]
    pub clusters: Option<PathBuf>,
    /// Seed of the random pair sample used to estimate u.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Link threshold as a match probability (default: the mapping's, else automatic).
    #[arg(long)]
    pub threshold: Option<f64>,
}

#[derive(Debug, clap::Subcommand)]
pub enum BenchLinkCommand {
    /// Accuracy (P/R/F1 against the truth), wall time and peak memory of a batch run.
    Link {
        /// Input table(s), as for `baken link`. Not needed with --preset.
        #[arg(long = "input", num_args = 1)]
        inputs: Vec<PathBuf>,
        /// Mapping file with a `truth` column. Not needed with --preset.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// A shared benchmark set: febrl1, febrl2, febrl3, febrl4, rldata10000, synth_nl_100000,
        /// synth_nl_1000000.
        #[arg(long)]
        preset: Option<String>,
        /// Folder of the shared benchmark data (for --preset).
        #[arg(long, default_value = "../shared/bench/data")]
        data: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Generate a synthetic Dutch/Belgian person file with ground truth (CSV).
    Gen {
        #[arg(long)]
        records: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        output: PathBuf,
    },
    /// p50/p99 latency of matching one record against an index of all others.
    Online {
        /// Input table (with truth column) to index; or use --preset.
        #[arg(long)]
        input: Option<PathBuf>,
        #[arg(long)]
        mapping: Option<PathBuf>,
        #[arg(long)]
        preset: Option<String>,
        #[arg(long, default_value = "../shared/bench/data")]
        data: PathBuf,
        /// Records held out and queried one by one.
        #[arg(long, default_value_t = 1000)]
        queries: usize,
        /// Records used to train the model (the first ones of the input).
        #[arg(long, default_value_t = 200_000)]
        train_records: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// Mapping of the shared synthetic Dutch/Belgian sets.
pub const SYNTH_MAPPING: &str = r#"
id = "unique_id"
truth = "cluster"
country = "NL"

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

/// Mapping of the FEBRL sets (truth comes from the record ids `rec-N-…`).
pub const FEBRL_MAPPING: &str = r#"
id = "rec_id"

[fields]
given_name = "given_name"
surname = "surname"
house_number = "street_number"
street = "address_1"
city = "suburb"
postcode = "postcode"
birth_date = "date_of_birth"
other_id = "soc_sec_id"

[model]
loose_blocking = true
"#;

struct Progress {
    on: bool,
    t0: Instant,
}

impl Progress {
    fn new() -> Self {
        Self {
            on: std::io::stderr().is_terminal(),
            t0: Instant::now(),
        }
    }
    fn say(&self, msg: &str) {
        if self.on {
            eprintln!("[{:>7.2}s] {msg}", self.t0.elapsed().as_secs_f64());
        }
    }
}

fn load_mapping(path: &Path) -> anyhow::Result<Mapping> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the mapping", path.display()))?;
    Ok(Mapping::parse(&text, &path.display().to_string())?)
}

fn fields_of(m: &Mapping) -> FieldSet {
    m.fields.iter().map(|(f, _)| *f).collect()
}

/// Reads every input into a dataset, in batches.
fn load(inputs: &[PathBuf], mapping: &Mapping, progress: &Progress) -> anyhow::Result<Dataset> {
    if inputs.is_empty() || inputs.len() > 2 {
        bail!(
            "give one --input to deduplicate or two to link (got {})",
            inputs.len()
        );
    }
    let mut ds = Dataset::new(fields_of(mapping), mapping.country);
    for (source, path) in inputs.iter().enumerate() {
        let name = path.display().to_string();
        let file = File::open(path).with_context(|| format!("{name}: cannot open"))?;
        let is_parquet = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        if is_parquet {
            // By row group and column: no string per cell.
            read_parquet_columns(file, &name, mapping, source as u8, |b| {
                ds.push_columns(b);
                progress.say(&format!("read {} records", ds.len()));
                Ok(())
            })?;
            continue;
        }
        let mut batch: Vec<InputRow> = Vec::with_capacity(READ_BATCH_ROWS);
        let flush = |batch: &mut Vec<InputRow>, ds: &mut Dataset| {
            ds.push_batch(std::mem::take(batch));
            if ds.len() % (READ_BATCH_ROWS * 8) < READ_BATCH_ROWS {
                progress.say(&format!("read {} records", ds.len()));
            }
        };
        let mut sink = |row: InputRow| -> Result<(), InputError> {
            batch.push(row);
            if batch.len() >= READ_BATCH_ROWS {
                flush(&mut batch, &mut ds);
            }
            Ok(())
        };
        read_csv(
            BufReader::with_capacity(1 << 20, file),
            &name,
            mapping,
            source as u8,
            &mut sink,
        )?;
        flush(&mut batch, &mut ds);
    }
    ds.finish_loading();
    Ok(ds)
}

fn run_pipeline(ds: &Dataset, mapping: &Mapping, seed: u64, progress: &Progress) -> LinkResult {
    let mut rng = StdRng::seed_from_u64(seed);
    link(ds, &mapping.options, &mut rng, |stage| {
        progress.say(&match stage {
            Stage::Blocking => "blocking".to_owned(),
            Stage::Comparing { pairs } => format!("comparing {pairs} candidate pairs"),
            Stage::Training => "training (u from random pairs, m by EM)".to_owned(),
            Stage::Scoring => "scoring".to_owned(),
            Stage::Clustering => "clustering".to_owned(),
        })
    })
}

/// A file written under a temporary name next to its target and renamed into place
/// by [`Staged::commit`]; dropped without commit it is removed.
struct Staged {
    tmp: tempfile::NamedTempFile,
    target: PathBuf,
}

fn stage(
    target: &Path,
    write: impl FnOnce(&mut BufWriter<&File>) -> std::io::Result<()>,
) -> anyhow::Result<Staged> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".baken-link-")
        .tempfile_in(&dir)
        .with_context(|| format!("{}: cannot create a file in this folder", dir.display()))?;
    {
        let mut w = BufWriter::with_capacity(1 << 20, tmp.as_file());
        write(&mut w).with_context(|| format!("{}: cannot write", target.display()))?;
        w.flush()
            .with_context(|| format!("{}: cannot write", target.display()))?;
    }
    Ok(Staged {
        tmp,
        target: target.to_path_buf(),
    })
}

impl Staged {
    fn commit(self) -> anyhow::Result<()> {
        let target = self.target;
        self.tmp
            .persist(&target)
            .map_err(|e| e.error)
            .with_context(|| format!("{}: cannot move the output into place", target.display()))?;
        Ok(())
    }
}

/// `baken link`.
pub fn run_link(args: LinkArgs) -> anyhow::Result<ExitCode> {
    crate::allocator::keep_freed_memory();
    let progress = Progress::new();
    let mut mapping = load_mapping(&args.mapping)?;
    if let Some(p) = args.threshold {
        if !(0.0..1.0).contains(&p) || p == 0.0 {
            bail!("--threshold must be a probability between 0 and 1");
        }
        mapping.options.threshold = baken_link::Threshold::Probability(p);
    }
    let ds = load(&args.inputs, &mapping, &progress)?;
    let result = run_pipeline(&ds, &mapping, args.seed, &progress);
    progress.say("writing");
    let links = stage(&args.output, |w| write_links(&ds, &result, w))?;
    let clusters = match &args.clusters {
        Some(p) => Some(stage(p, |w| write_clusters(&ds, &result, w))?),
        None => None,
    };
    links.commit()?;
    if let Some(c) = clusters {
        c.commit()?;
    }
    let n_links = result.links().count();
    eprintln!(
        "{} records, {} candidate pairs, {} links at p >= {:.4}, {} merges refused by the chain guard",
        ds.len(),
        result.scored.len(),
        n_links,
        baken_link::model::probability(result.threshold_bits),
        result.chain_refusals
    );
    Ok(ExitCode::SUCCESS)
}

/// CPU time (user + system) of this process in seconds (Linux), if known. Reported
/// next to wall time because the benchmark machine is shared: under load, wall time
/// includes waiting for a core.
fn cpu_s() -> f64 {
    let Ok(s) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the command name (which is in parentheses): utime is the 12th,
    // stime the 13th, in clock ticks (100 per second on Linux).
    let rest = s.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (tick(11) + tick(12)) / 100.0
}

/// Peak resident memory of this process in MiB (Linux), if known.
fn peak_rss_mib() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn prf(p: &Prf) -> String {
    format!("{:.3} / {:.3} / {:.3}", p.precision, p.recall, p.f1)
}

fn febrl_truth(ds: &mut Dataset) {
    for (i, id) in ds.ids.iter().enumerate() {
        let t = id.split('-').nth(1).map(|n| n.to_owned().into_boxed_str());
        ds.truth[i] = t;
    }
}

/// Mapping of RLdata (rows are read by [`load_rldata`]: the file has no id column, the
/// truth is a separate file and the birth date is split over three columns).
pub const RLDATA_MAPPING: &str = r#"
id = "id"
truth = "truth"

[fields]
given_name = "given_name"
surname = "surname"
birth_date = "birth_date"

[model]
loose_blocking = true
"#;

/// Reads `RLdata10000.tsv` and `identity.RLdata10000.tsv` into a dataset.
fn load_rldata(data: &Path, mapping: &Mapping) -> anyhow::Result<Dataset> {
    let rows_path = data.join("rldata/RLdata10000.tsv");
    let truth_path = data.join("rldata/identity.RLdata10000.tsv");
    let text = std::fs::read_to_string(&rows_path)
        .with_context(|| format!("{}: cannot read", rows_path.display()))?;
    let truth = std::fs::read_to_string(&truth_path)
        .with_context(|| format!("{}: cannot read", truth_path.display()))?;
    let truth: Vec<&str> = truth.lines().skip(1).collect();
    let mut rows = Vec::new();
    for (i, line) in text.lines().skip(1).enumerate() {
        let c: Vec<&str> = line.split('\t').collect();
        if c.len() != 7 || i >= truth.len() {
            bail!(
                "{}:{}: expected 7 columns and a truth line",
                rows_path.display(),
                i + 2
            );
        }
        let join = |a: &str, b: &str| {
            if b == "NA" {
                a.to_owned()
            } else {
                format!("{a} {b}")
            }
        };
        let mut raw = RawRecord::new()
            .with(baken_link::Field::GivenName, &join(c[0], c[1]))
            .with(baken_link::Field::Surname, &join(c[2], c[3]));
        if c[4..7].iter().all(|v| *v != "NA") {
            raw.set(
                baken_link::Field::BirthDate,
                &format!("{}-{:0>2}-{:0>2}", c[4], c[5], c[6]),
            );
        }
        rows.push(InputRow {
            source: 0,
            id: (i + 1).to_string(),
            truth: Some(truth[i].trim().to_owned()),
            raw,
        });
    }
    let mut ds = Dataset::new(fields_of(mapping), mapping.country);
    ds.push_batch(rows);
    Ok(ds)
}

fn preset(name: &str, data: &Path) -> anyhow::Result<(Vec<PathBuf>, Mapping, bool)> {
    Ok(match name {
        "febrl4" => (
            vec![
                data.join("febrl/dataset4a.csv"),
                data.join("febrl/dataset4b.csv"),
            ],
            Mapping::parse(FEBRL_MAPPING, "febrl preset")?,
            true,
        ),
        "febrl1" | "febrl2" | "febrl3" => (
            vec![data.join(format!("febrl/dataset{}.csv", &name[5..]))],
            Mapping::parse(FEBRL_MAPPING, "febrl preset")?,
            true,
        ),
        "synth_nl_100000" | "synth_nl_1000000" => (
            vec![data.join(format!("{name}.parquet"))],
            Mapping::parse(SYNTH_MAPPING, "synth preset")?,
            false,
        ),
        "rldata10000" => (
            Vec::new(),
            Mapping::parse(RLDATA_MAPPING, "rldata preset")?,
            false,
        ),
        other => {
            bail!("unknown preset {other:?} (febrl1..3, febrl4, rldata10000, synth_nl_100000, synth_nl_1000000)")
        }
    })
}

fn resolve(
    inputs: Vec<PathBuf>,
    mapping: Option<PathBuf>,
    preset_name: Option<&str>,
    data: &Path,
) -> anyhow::Result<(Vec<PathBuf>, Mapping, bool)> {
    match (preset_name, mapping) {
        (Some(p), _) => preset(p, data),
        (None, Some(m)) => Ok((inputs, load_mapping(&m)?, false)),
        (None, None) => bail!("give --preset or --input and --mapping"),
    }
}

/// `baken bench link|gen|online`.
pub fn run_bench(cmd: BenchLinkCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BenchLinkCommand::Link {
            inputs,
            mapping,
            preset: preset_name,
            data,
            seed,
        } => {
            // Like `baken link`; the online benchmark keeps the server's setting.
            crate::allocator::keep_freed_memory();
            let (inputs, mapping, febrl) = resolve(inputs, mapping, preset_name.as_deref(), &data)?;
            let progress = Progress::new();
            let t0 = Instant::now();
            let c0 = cpu_s();
            let mut ds = if preset_name.as_deref() == Some("rldata10000") {
                load_rldata(&data, &mapping)?
            } else {
                load(&inputs, &mapping, &progress)?
            };
            let c_read = cpu_s() - c0;
            let t_read = t0.elapsed().as_secs_f64();
            if febrl {
                febrl_truth(&mut ds);
            }
            let t1 = Instant::now();
            let mut stage_t: Vec<(String, f64)> = Vec::new();
            let mut last = Instant::now();
            let mut last_name = "start".to_owned();
            let mut rng = StdRng::seed_from_u64(seed);
            let result = link(&ds, &mapping.options, &mut rng, |s| {
                stage_t.push((last_name.clone(), last.elapsed().as_secs_f64()));
                last = Instant::now();
                last_name = format!("{s:?}");
                progress.say(&last_name);
            });
            stage_t.push((last_name, last.elapsed().as_secs_f64()));
            let t_link = t1.elapsed().as_secs_f64();
            let t_out = Instant::now();
            let mut sink = std::io::sink();
            write_links(&ds, &result, &mut sink)?;
            write_clusters(&ds, &result, &mut sink)?;
            let t_write = t_out.elapsed().as_secs_f64();
            let total = t0.elapsed().as_secs_f64();
            let cpu_total = cpu_s() - c0;
            let rss = peak_rss_mib().unwrap_or(f64::NAN);
            let Some(ev) = evaluate(&ds, &result) else {
                bail!("the input has no truth column (set `truth = \"column\"` in the mapping)");
            };
            if std::env::var_os("BAKEN_BENCH_SHOW_ERRORS").is_some() {
                show_errors(&ds, &result);
            }
            print_bench(
                &inputs, &ds, &result, &ev, total, t_read, t_link, t_write, rss, &stage_t,
            );
            println!("CPU s (user+sys, all threads): {cpu_total:.2} (read+normalise {c_read:.2})");
            Ok(ExitCode::SUCCESS)
        }
        BenchLinkCommand::Gen {
            records,
            seed,
            output,
        } => {
            let mut rng = StdRng::seed_from_u64(seed);
            let staged = stage(&output, |w| {
                baken_link::generate::generate(records, &mut rng, w).map(|_| ())
            })?;
            staged.commit()?;
            eprintln!("wrote {records} records to {}", output.display());
            Ok(ExitCode::SUCCESS)
        }
        BenchLinkCommand::Online {
            input,
            mapping,
            preset: preset_name,
            data,
            queries,
            train_records,
            seed,
        } => {
            let (inputs, mapping, _) = resolve(
                input.into_iter().collect(),
                mapping,
                preset_name.as_deref(),
                &data,
            )?;
            run_online(&inputs, &mapping, queries, train_records, seed)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn print_bench(
    inputs: &[PathBuf],
    ds: &Dataset,
    r: &LinkResult,
    ev: &Evaluation,
    total: f64,
    t_read: f64,
    t_link: f64,
    t_write: f64,
    rss: f64,
    stages: &[(String, f64)],
) {
    let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
    println!("input: {}", names.join(" + "));
    println!(
        "records: {}  candidate pairs: {}  true pairs: {}  blocking recall: {:.4}",
        ds.len(),
        ev.candidate_pairs,
        ev.true_pairs,
        ev.blocking_recall
    );
    println!("wall s: {total:.2} (read+normalise {t_read:.2}, link {t_link:.2}, write links+clusters {t_write:.2})  peak RSS MiB: {rss:.0}");
    let st: Vec<String> = stages
        .iter()
        .skip(1)
        .map(|(n, t)| format!("{n} {t:.2}"))
        .collect();
    println!("link stages s: {}", st.join(", "));
    println!(
        "threshold chosen: p >= {:.4}  lambda: {:.3e}  EM sessions: {:?}",
        ev.threshold_probability, r.report.lambda, r.report.sessions
    );
    println!(
        "P / R / F1 at own threshold: {}  (tp {} fp {} fn {})",
        prf(&ev.at_threshold),
        ev.at_threshold.tp,
        ev.at_threshold.fp,
        ev.at_threshold.fn_
    );
    println!(
        "P / R / F1 best threshold (p >= {:.4}, chosen with truth, for reference): {}",
        ev.best_threshold_probability,
        prf(&ev.best)
    );
    println!(
        "P / R / F1 of clusters: {}  (merges refused by chain guard: {})",
        prf(&ev.clusters),
        r.chain_refusals
    );
}

/// Prints a few false links and missed links with their explanations (diagnostics).
fn show_errors(ds: &Dataset, r: &LinkResult) {
    let t = r.threshold_bits as f32;
    let same = |a: u32, b: u32| ds.truth[a as usize] == ds.truth[b as usize];
    let fps = r
        .scored
        .iter()
        .filter(|s| s.bits >= t && !same(s.a, s.b))
        .step_by(97)
        .take(12);
    for s in fps {
        println!(
            "FP {}",
            baken_link::batch::explain_pair(ds, &r.model, s.a, s.b)
        );
    }
    let fns = r
        .scored
        .iter()
        .filter(|s| s.bits < t && same(s.a, s.b))
        .step_by(53)
        .take(12);
    for s in fns {
        println!(
            "FN {}",
            baken_link::batch::explain_pair(ds, &r.model, s.a, s.b)
        );
    }
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn run_online(
    inputs: &[PathBuf],
    mapping: &Mapping,
    queries: usize,
    train_records: usize,
    seed: u64,
) -> anyhow::Result<ExitCode> {
    let progress = Progress::new();
    let t0 = Instant::now();
    // Stream the input: about one row in `holdout_every` (chosen by a seeded hash of
    // its position) becomes a probe, the others are stored; the first
    // `train_records` stored rows also train the model. Memory stays bounded.
    let holdout_every = 1000u64;
    let mut probes: Vec<(RawRecord, Option<String>)> = Vec::with_capacity(queries);
    let mut train = Dataset::new(fields_of(mapping), mapping.country);
    let mut stored = Dataset::new(fields_of(mapping), mapping.country);
    let mut truth_of: Vec<Option<String>> = Vec::new();
    let mut pending: Vec<InputRow> = Vec::with_capacity(READ_BATCH_ROWS);
    let mut pending_train: Vec<InputRow> = Vec::new();
    let mut k = 0u64;
    for (source, path) in inputs.iter().enumerate() {
        let name = path.display().to_string();
        let file = File::open(path).with_context(|| format!("{name}: cannot open"))?;
        let mut sink = |row: InputRow| -> Result<(), InputError> {
            let h = baken_link::fold::mix(&[seed, k]);
            k += 1;
            if probes.len() < queries && h.is_multiple_of(holdout_every) {
                probes.push((row.raw, row.truth));
                return Ok(());
            }
            truth_of.push(row.truth.clone());
            if truth_of.len() <= train_records {
                pending_train.push(row.clone());
                if pending_train.len() >= READ_BATCH_ROWS {
                    train.push_batch(std::mem::take(&mut pending_train));
                }
            }
            pending.push(row);
            if pending.len() >= READ_BATCH_ROWS {
                stored.push_batch(std::mem::take(&mut pending));
            }
            Ok(())
        };
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
        {
            read_parquet(file, &name, mapping, source as u8, &mut sink)?;
        } else {
            read_csv(
                BufReader::new(file),
                &name,
                mapping,
                source as u8,
                &mut sink,
            )?;
        }
    }
    stored.push_batch(pending);
    train.push_batch(pending_train);
    if probes.is_empty() || stored.len() < 2 {
        bail!("too few records to hold out queries");
    }
    let truth_set: std::collections::HashSet<&str> =
        truth_of.iter().flatten().map(String::as_str).collect();
    let t_load = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let result = run_pipeline(&train, mapping, seed, &progress);
    let model = result.model.clone();
    let threshold = baken_link::model::probability(result.threshold_bits);
    drop(result);
    drop(train);
    let t_train = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let index = LinkIndex::from_dataset(stored, model, mapping.options.block_size_max);
    let t_index = t2.elapsed().as_secs_f64();
    let mut lat_ms = Vec::with_capacity(queries);
    let mut compared: Vec<usize> = Vec::with_capacity(queries);
    let (mut with_truth, mut top1) = (0usize, 0usize);
    for (raw, truth) in &probes {
        let t = Instant::now();
        let (c, examined) = index.query_counted(raw, threshold, 10);
        lat_ms.push(t.elapsed().as_secs_f64() * 1e3);
        compared.push(examined);
        if let Some(t) = truth {
            let has_match = truth_set.contains(t.as_str());
            if has_match {
                with_truth += 1;
                if let Some(best) = c.first() {
                    // Compare the top candidate's truth.
                    if truth_of[best.record as usize].as_deref() == Some(t.as_str()) {
                        top1 += 1;
                    }
                }
            }
        }
    }
    lat_ms.sort_by(f64::total_cmp);
    println!("indexed: {}  queries: {}  load s: {t_load:.2}  train s (on {} records): {t_train:.2}  index build s: {t_index:.2}", index.len(), probes.len(), train_records.min(k as usize));
    println!(
        "latency ms: p50 {:.3}  p99 {:.3}  max {:.3}  mean {:.3}",
        percentile(&lat_ms, 0.5),
        percentile(&lat_ms, 0.99),
        lat_ms.last().copied().unwrap_or(f64::NAN),
        lat_ms.iter().sum::<f64>() / lat_ms.len().max(1) as f64
    );
    compared.sort_unstable();
    println!(
        "records compared per query: p50 {}  p99 {}  max {} (the bound: block_size_max x keys)",
        compared.get(compared.len() / 2).copied().unwrap_or(0),
        compared
            .get(compared.len() * 99 / 100)
            .copied()
            .unwrap_or(0),
        compared.last().copied().unwrap_or(0)
    );
    println!("top-1 correct: {top1}/{with_truth} (queries whose entity is in the index)  peak RSS MiB: {:.0}", peak_rss_mib().unwrap_or(f64::NAN));
    Ok(ExitCode::SUCCESS)
}
