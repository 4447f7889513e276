//! The anonymous public reporting channel at `/meld`: no login, no tracking.
//!
//! - Nothing that traces: no IP address, user agent or exact time is read, stored or
//!   logged here (this module logs nothing at all); the public side writes only days.
//!   The one cookie is the CSRF double-submit cookie (`baken_pre`) the middleware sets
//!   for every form shown before login. The language travels in the URL (`?lang=`) and a
//!   hidden form field, never in a cookie.
//! - Receipts: 16 digits shown once; only an argon2 hash is stored (see
//!   `baken_store::reports`). Wrong receipts are slowed down by a *global* in-memory
//!   limiter that holds no address or other identifier of anyone: after a number of free
//!   failures in a window, each further failure doubles the wait before the next receipt
//!   is even checked (capped). A correct receipt never resets the count, so an attacker
//!   cannot use their own receipt to clear it.
//! - Proof of work: every form carries a signed challenge (see `baken_domain::pow`) that
//!   `static/pow.js` solves; a report with a valid, unspent solution counts against the
//!   generous solved budget, any other against the strict unsolved one. Both budgets are
//!   global (per minute, over the whole channel), never per person.
//! - Reports are routed to an organisation by the town or postcode typed (see
//!   [`route_report`]).
//! - Languages: one Fluent file per language under `i18n/public/`, and one line in
//!   [`PUBLIC_LANGS`].

use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::photos::{clean_photo, MAX_PHOTOS};
use crate::state::{AppState, WebConfig};
use crate::upload::FormData;
use crate::views::page;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use baken_domain::{pow, Country, OrgKind};
use baken_store::{normalise_receipt, ReportKeys, ReportMessage, REPORT_TEXT_MAX};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::sync::{Mutex, OnceLock};

// ---- languages ----

/// A language of the public channel.
pub struct PublicLang {
    pub code: &'static str,
    pub name: &'static str,
    pub rtl: bool,
    source: &'static str,
}

macro_rules! public_lang {
    ($code:literal, $name:literal, $rtl:literal) => {
        PublicLang {
            code: $code,
            name: $name,
            rtl: $rtl,
            source: include_str!(concat!("../i18n/public/", $code, ".ftl")),
        }
    };
}

/// Adding a language: a file `i18n/public/<code>.ftl` and one line here.
pub const PUBLIC_LANGS: &[PublicLang] = &[
    public_lang!("nl", "Nederlands", false),
    public_lang!("fr", "Français", false),
    public_lang!("en", "English", false),
    public_lang!("de", "Deutsch", false),
    public_lang!("pl", "Polski", false),
    public_lang!("ro", "Română", false),
    public_lang!("bg", "Български", false),
    public_lang!("es", "Español", false),
    public_lang!("pt", "Português", false),
    public_lang!("uk", "Українська", false),
    public_lang!("ar", "العربية", true),
];

/// The reference language for completeness, and the fallback for a missing message.
const REFERENCE_LANG: &str = "en";

impl PublicLang {
    pub fn parse(code: &str) -> Option<&'static PublicLang> {
        PUBLIC_LANGS.iter().find(|l| l.code == code)
    }

    /// The first public language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<&'static PublicLang> {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .map(|tag| tag.trim().to_ascii_lowercase())
            .find_map(|tag| PublicLang::parse(tag.split('-').next().unwrap_or("")))
    }

    pub fn default_lang() -> &'static PublicLang {
        &PUBLIC_LANGS[0]
    }

    /// Every message id of the file, for the completeness test.
    pub fn keys(&self) -> Vec<String> {
        self.source
            .lines()
            .filter_map(|l| {
                let (id, _) = l.split_once('=')?;
                let id = id.trim();
                (!id.is_empty()
                    && !l.starts_with([' ', '#', '-'])
                    && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
                .then(|| id.to_string())
            })
            .collect()
    }
}

type Bundles = Vec<(&'static str, FluentBundle<FluentResource>)>;

fn load_bundles() -> Result<Bundles, String> {
    let mut out = Vec::new();
    for lang in PUBLIC_LANGS {
        let resource = FluentResource::try_new(lang.source.to_string())
            .map_err(|(_, e)| format!("i18n/public/{}.ftl: {e:?}", lang.code))?;
        let id: unic_langid::LanguageIdentifier = lang
            .code
            .parse()
            .map_err(|e| format!("language id {}: {e}", lang.code))?;
        let mut bundle = FluentBundle::new_concurrent(vec![id]);
        bundle.set_use_isolating(false);
        bundle
            .add_resource(resource)
            .map_err(|e| format!("i18n/public/{}.ftl: {e:?}", lang.code))?;
        out.push((lang.code, bundle));
    }
    Ok(out)
}

fn bundles() -> &'static Bundles {
    static BUNDLES: OnceLock<Bundles> = OnceLock::new();
    // A broken file is caught by the unit test; at run time it degrades to English/keys.
    BUNDLES.get_or_init(|| load_bundles().unwrap_or_default())
}

/// A translator for one public language.
#[derive(Clone, Copy)]
pub struct PublicTr {
    pub lang: &'static PublicLang,
}

impl PublicTr {
    fn message(&self, key: &str, args: Option<&FluentArgs>) -> String {
        for code in [self.lang.code, REFERENCE_LANG] {
            if let Some((_, bundle)) = bundles().iter().find(|(c, _)| *c == code) {
                if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                    let mut errors = vec![];
                    return bundle
                        .format_pattern(pattern, args, &mut errors)
                        .into_owned();
                }
            }
        }
        key.to_string()
    }

    pub fn t(&self, key: &str) -> String {
        self.message(key, None)
    }

    pub fn t1(&self, key: &str, name: &str, value: &str) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), value.to_string());
        self.message(key, Some(&args))
    }
}

// ---- the channel's state: keys and limits held in memory only ----

struct Limits {
    /// Receipt failures in the current window.
    failures: u32,
    window_start: i64,
    /// No receipt is checked before this time.
    blocked_until: i64,
    /// Reports sent in the current minute, with and without a solved challenge.
    sent_solved: u32,
    sent_unsolved: u32,
    sent_minute: i64,
}

/// Spent proof-of-work challenges, by id, each kept until it would have expired anyway.
/// Bounded: when full of live ids, new solutions count as unsolved until room frees up.
#[derive(Default)]
struct SpentChallenges {
    until: std::collections::HashMap<String, i64>,
}

/// Live spent challenges the server remembers at most.
const MAX_SPENT: usize = 100_000;

impl SpentChallenges {
    /// Mark `id` spent until `expires`; `false` if it already was (or there is no room).
    fn spend(&mut self, id: &str, expires: i64, now: i64) -> bool {
        if self.until.get(id).is_some_and(|&t| t >= now) {
            return false;
        }
        if self.until.len() >= MAX_SPENT {
            self.until.retain(|_, &mut t| t >= now);
            if self.until.len() >= MAX_SPENT {
                return false;
            }
        }
        self.until.insert(id.to_string(), expires);
        true
    }
}

/// Report keys and the global (never per-person) limits of the anonymous channel.
pub struct ReportChannel {
    pub keys: ReportKeys,
    limits: Mutex<Limits>,
    /// The proof-of-work signing key: random per process, never written anywhere.
    pow_key: [u8; 32],
    spent: Mutex<SpentChallenges>,
    /// Receipts are checked one at a time: the limiter's check and its count of failures
    /// cannot be raced by many guesses sent at once.
    verify: tokio::sync::Mutex<()>,
}

/// Receipt failures allowed in a window before waits begin.
pub const FREE_RECEIPT_FAILURES: u32 = 10;
const FAILURE_WINDOW_S: i64 = 10 * 60;
const MAX_WAIT_S: i64 = 15 * 60;

impl ReportChannel {
    pub fn new(keys: Option<ReportKeys>) -> ReportChannel {
        if keys.is_none() {
            tracing::warn!(
                "no report key configured: anonymous reports are sealed under a key held \
                 in memory and become unreadable when the server stops"
            );
        }
        ReportChannel {
            verify: tokio::sync::Mutex::new(()),
            keys: keys.unwrap_or_else(ReportKeys::ephemeral),
            limits: Mutex::new(Limits {
                failures: 0,
                window_start: 0,
                blocked_until: 0,
                sent_solved: 0,
                sent_unsolved: 0,
                sent_minute: 0,
            }),
            pow_key: {
                let mut key = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
                key
            },
            spent: Mutex::new(SpentChallenges::default()),
        }
    }

    fn limits(&self) -> std::sync::MutexGuard<'_, Limits> {
        self.limits.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `Err(seconds to wait)` while receipts are not being checked.
    pub fn receipt_allowed(&self, now: i64) -> Result<(), i64> {
        let l = self.limits();
        if now < l.blocked_until {
            Err(l.blocked_until - now)
        } else {
            Ok(())
        }
    }

    /// A wrong receipt: past the free failures, each one doubles the wait.
    pub fn receipt_failed(&self, now: i64) {
        let mut l = self.limits();
        if now - l.window_start > FAILURE_WINDOW_S && now >= l.blocked_until {
            l.failures = 0;
            l.window_start = now;
        }
        l.failures = l.failures.saturating_add(1);
        if l.failures > FREE_RECEIPT_FAILURES {
            let over = (l.failures - FREE_RECEIPT_FAILURES).min(20);
            l.blocked_until = now + (1i64 << over).min(MAX_WAIT_S);
        }
    }

    /// Count one sent report against its budget (solved or unsolved, each over the
    /// whole channel); `false` when that budget is spent for this minute.
    fn report_allowed(&self, now: i64, solved: bool, config: &WebConfig) -> bool {
        let mut l = self.limits();
        let minute = now / 60;
        if l.sent_minute != minute {
            l.sent_minute = minute;
            l.sent_solved = 0;
            l.sent_unsolved = 0;
        }
        let (sent, budget) = if solved {
            (&mut l.sent_solved, config.public_solved_per_minute)
        } else {
            (&mut l.sent_unsolved, config.public_unsolved_per_minute)
        };
        if *sent >= budget {
            return false;
        }
        *sent += 1;
        true
    }

    /// A fresh signed challenge for a form.
    pub fn challenge(&self, now: i64, config: &WebConfig) -> String {
        pow::Challenge {
            id: baken_store::random_token(16),
            issued: now,
            bits: config.pow_bits,
        }
        .token(&self.pow_key)
    }

    /// Whether a form carries a valid, unspent solution; it is spent by this check.
    pub fn solved(&self, token: &str, counter: &str, now: i64, config: &WebConfig) -> bool {
        let max_age = config.pow_max_age_s;
        match pow::verify(&self.pow_key, token, counter, now, max_age, config.pow_bits) {
            Ok(c) => self.spent.lock().unwrap_or_else(|e| e.into_inner()).spend(
                &c.id,
                c.issued + max_age,
                now,
            ),
            Err(_) => false,
        }
    }
}

// ---- what a report holds ----

/// The content of a report, as typed; stored encrypted as JSON.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ReportContent {
    #[serde(default)]
    pub what: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub when: String,
    #[serde(default)]
    pub people: String,
    #[serde(default)]
    pub addresses: String,
    #[serde(default)]
    pub vehicles: String,
    #[serde(default)]
    pub phones: String,
    #[serde(default)]
    pub websites: String,
    /// Indicators of the `public_report` context the reporter ticked.
    #[serde(default)]
    pub seen: Vec<String>,
    /// The indicator library the report was sent under (version and content hash): a
    /// newer library never re-reads it silently.
    #[serde(default)]
    pub library_version: String,
    #[serde(default)]
    pub library_hash: String,
}

/// Rough times the reporter can choose from.
pub const WHEN: &[&str] = &["today", "week", "month", "older", "unknown"];
const SHORT_MAX: usize = 2_000;

impl ReportContent {
    fn from_fields(fields: &[(String, String)]) -> ReportContent {
        let mut c = ReportContent::default();
        for (k, v) in fields {
            let slot = match k.as_str() {
                "what" => &mut c.what,
                "place" => &mut c.place,
                "when" => &mut c.when,
                "people" => &mut c.people,
                "addresses" => &mut c.addresses,
                "vehicles" => &mut c.vehicles,
                "phones" => &mut c.phones,
                "websites" => &mut c.websites,
                "seen" => {
                    if !c.seen.contains(v) {
                        c.seen.push(v.clone());
                    }
                    continue;
                }
                _ => continue,
            };
            *slot = v.clone();
        }
        c
    }

    /// Field-named error keys (`public-err-…`), in form order.
    fn validate(&self, known: &dyn Fn(&str) -> bool) -> Vec<(&'static str, &'static str)> {
        let mut errors = Vec::new();
        if self.what.trim().is_empty() {
            errors.push(("what", "public-err-what-empty"));
        } else if self.what.chars().count() > REPORT_TEXT_MAX / 4 {
            errors.push(("what", "public-err-too-long"));
        }
        if self.place.trim().is_empty() {
            errors.push(("place", "public-err-place-empty"));
        } else if self.place.chars().count() > 200 {
            errors.push(("place", "public-err-too-long"));
        }
        if !self.when.is_empty() && !WHEN.contains(&self.when.as_str()) {
            errors.push(("when", "public-err-when"));
        }
        for (name, value) in [
            ("people", &self.people),
            ("addresses", &self.addresses),
            ("vehicles", &self.vehicles),
            ("phones", &self.phones),
            ("websites", &self.websites),
        ] {
            if value.chars().count() > SHORT_MAX {
                errors.push((name, "public-err-too-long"));
            }
        }
        if self.seen.iter().any(|id| !known(id)) {
            errors.push(("seen", "public-err-seen"));
        }
        errors
    }
}

/// The context of the indicator library whose indicators the public form asks about.
pub const PUBLIC_CONTEXT: &str = "public_report";

// ---- routing a report to an organisation ----

/// Lower-case, without a "Gemeente"/"Commune de"/… prefix.
fn town_key(s: &str) -> String {
    let lower = s.trim().to_lowercase();
    let mut rest = lower.as_str();
    for prefix in [
        "gemeente ",
        "stad ",
        "commune de ",
        "commune d'",
        "ville de ",
        "municipality of ",
        "city of ",
    ] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r;
            break;
        }
    }
    rest.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A postcode typed as the place: four digits, optionally followed by two letters (then
/// it is Dutch). `None` when the place is not a postcode.
fn parse_postcode(place: &str) -> Option<(i64, Option<Country>)> {
    let place = place.trim();
    let digits: String = place.chars().take_while(|c| c.is_ascii_digit()).collect();
    let rest = place[digits.len()..].trim();
    let letters = rest.len() == 2 && rest.chars().all(|c| c.is_ascii_alphabetic());
    if digits.len() != 4 || !(rest.is_empty() || letters) || digits.starts_with('0') {
        return None;
    }
    Some((digits.parse().ok()?, letters.then_some(Country::NL)))
}

/// The organisation that receives a report about `place`: the one whose postcode area
/// (kept per organisation at `/admin/postcodes` or with `baken admin org postcodes`) holds
/// the postcode typed, or the
/// municipality whose name (without its "Gemeente …" prefix) is the town typed; otherwise
/// the first regional centre (RIEC/ARIEC), which can pass it on.
pub async fn route_report(state: &AppState, place: &str) -> AppResult<Option<String>> {
    if let Some((code, country)) = parse_postcode(place) {
        if let Some(org) = state.store.org_for_postcode(code, country).await? {
            return Ok(Some(org.id));
        }
    }
    let orgs = state.store.list_orgs().await?;
    let wanted = town_key(place);
    let municipality = orgs
        .iter()
        .filter(|o| o.kind == OrgKind::Municipality)
        .find(|o| town_key(&o.name) == wanted);
    let fallback = orgs.iter().find(|o| o.kind == OrgKind::RegionalCentre);
    Ok(municipality.or(fallback).map(|o| o.id.clone()))
}

// ---- pages ----

pub struct LangLink {
    pub code: &'static str,
    pub name: &'static str,
    pub selected: bool,
}

/// What the public layout needs.
pub struct PublicChrome {
    pub tr: PublicTr,
    pub csrf: String,
    pub here: &'static str,
    pub title: String,
    pub langs: Vec<LangLink>,
}

impl PublicChrome {
    fn new(ctx: &Ctx, lang: &'static PublicLang, here: &'static str, title_key: &str) -> Self {
        let tr = PublicTr { lang };
        PublicChrome {
            title: tr.t(title_key),
            tr,
            csrf: ctx.rc.csrf_token().to_string(),
            here,
            langs: PUBLIC_LANGS
                .iter()
                .map(|l| LangLink {
                    code: l.code,
                    name: l.name,
                    selected: l.code == lang.code,
                })
                .collect(),
        }
    }

    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }

    pub fn code(&self) -> &'static str {
        self.tr.lang.code
    }

    pub fn dir(&self) -> &'static str {
        if self.tr.lang.rtl {
            "rtl"
        } else {
            "ltr"
        }
    }
}

pub struct Question {
    pub id: String,
    pub label: String,
    pub hint: String,
    pub checked: bool,
}

pub struct QuestionGroup {
    pub name: String,
    pub questions: Vec<Question>,
}

pub struct Option_ {
    pub value: &'static str,
    pub label: String,
    pub selected: bool,
}

pub struct ErrorItem {
    pub field: &'static str,
    pub message: String,
}

#[derive(Template)]
#[template(path = "public_form.html")]
pub struct FormPage {
    pub p: PublicChrome,
    pub c: ReportContent,
    pub when: Vec<Option_>,
    pub groups: Vec<QuestionGroup>,
    pub errors: Vec<ErrorItem>,
    pub notice: Option<String>,
    /// The signed proof-of-work challenge (`static/pow.js` solves it).
    pub pow: String,
}

impl FormPage {
    pub fn error_for(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

#[derive(Template)]
#[template(path = "public_receipt.html")]
pub struct ReceiptPage {
    pub p: PublicChrome,
    pub receipt: String,
}

pub struct ThreadItem {
    pub from: String,
    pub date: String,
    pub body: String,
    pub question: bool,
}

#[derive(Template)]
#[template(path = "public_follow_up.html")]
pub struct FollowUpPage {
    pub p: PublicChrome,
    /// The receipt as typed (kept on error), or the verified one.
    pub receipt: String,
    pub error: Option<String>,
    /// Present once the receipt was verified.
    pub thread: Option<Vec<ThreadItem>>,
    pub what: String,
    pub sent_on: String,
    pub message: String,
    pub notice: Option<String>,
    /// The signed proof-of-work challenge (`static/pow.js` solves it).
    pub pow: String,
}

#[derive(Template)]
#[template(path = "public_privacy.html")]
pub struct PrivacyPage {
    pub p: PublicChrome,
}

/// The language of a public page: `lang` from the URL or form, else the browser's
/// preference among the channel's languages, else Dutch.
fn pick_lang(asked: Option<&str>, headers: &HeaderMap) -> &'static PublicLang {
    asked
        .and_then(PublicLang::parse)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(PublicLang::from_accept_language)
        })
        .unwrap_or_else(PublicLang::default_lang)
}

#[derive(serde::Deserialize)]
pub struct LangQuery {
    #[serde(default)]
    lang: Option<String>,
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn form_page(
    state: &AppState,
    ctx: &Ctx,
    lang: &'static PublicLang,
    content: ReportContent,
    errors: &[(&'static str, &'static str)],
    notice: Option<String>,
) -> FormPage {
    let p = PublicChrome::new(ctx, lang, "/meld", "public-form-title");
    let tr = p.tr;
    let groups = state
        .library
        .indicators_for_context(PUBLIC_CONTEXT)
        .into_iter()
        .map(|(stage, list)| QuestionGroup {
            // Library texts exist in nl/en/fr; `get` falls back to English.
            name: stage.name.get(lang.code).to_string(),
            questions: list
                .into_iter()
                .map(|i| Question {
                    id: i.id.clone(),
                    label: i.label.get(lang.code).to_string(),
                    hint: i.look_for.get(lang.code).to_string(),
                    checked: content.seen.contains(&i.id),
                })
                .collect(),
        })
        .collect();
    FormPage {
        when: WHEN
            .iter()
            .map(|w| Option_ {
                value: w,
                label: tr.t(&format!("public-when-{w}")),
                selected: content.when == *w,
            })
            .collect(),
        groups,
        errors: errors
            .iter()
            .map(|(f, key)| ErrorItem {
                field: f,
                message: tr.t(key),
            })
            .collect(),
        notice,
        c: content,
        p,
        pow: state.reports.challenge(state.now(), &state.config),
    }
}

/// GET /meld: the report form.
pub async fn form(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> AppResult<Response> {
    let lang = pick_lang(q.lang.as_deref(), &headers);
    let model = form_page(&state, &ctx, lang, ReportContent::default(), &[], None);
    Ok(page(StatusCode::OK, &model))
}

/// Check and clean the photos sent with a form (off the async threads: decoding is
/// work); the first problem names the photo field.
async fn clean_photos(
    files: Vec<Vec<u8>>,
) -> AppResult<Result<Vec<Vec<u8>>, (&'static str, &'static str)>> {
    if files.len() > MAX_PHOTOS {
        return Ok(Err(("photo", "public-err-photo-count")));
    }
    tokio::task::spawn_blocking(move || {
        files
            .iter()
            .map(|f| {
                clean_photo(f)
                    .map(|p| p.bytes)
                    .map_err(|e| ("photo", e.message_key()))
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))
}

/// POST /meld: validate, route, encrypt and store; show the receipt once.
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    form: FormData,
) -> AppResult<Response> {
    let fields = form.fields;
    let lang = pick_lang(field(&fields, "lang"), &headers);
    let content = ReportContent::from_fields(&fields);
    let known = |id: &str| {
        state
            .library
            .indicator(id)
            .is_some_and(|i| i.contexts.iter().any(|c| c == PUBLIC_CONTEXT))
    };
    let mut errors = content.validate(&known);
    let photos = match clean_photos(form.files).await? {
        Ok(photos) => photos,
        Err(error) => {
            errors.push(error);
            Vec::new()
        }
    };
    let mut org = None;
    if errors.is_empty() {
        org = route_report(&state, &content.place).await?;
        if org.is_none() {
            errors.push(("place", "public-err-place-unknown"));
        }
    }
    if !errors.is_empty() {
        let model = form_page(&state, &ctx, lang, content, &errors, None);
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &model));
    }
    if !state
        .reports
        .report_allowed(state.now(), pow_solved(&state, &fields), &state.config)
    {
        let notice = PublicTr { lang }.t("public-busy");
        let model = form_page(&state, &ctx, lang, content, &[], Some(notice));
        return Ok(page(StatusCode::TOO_MANY_REQUESTS, &model));
    }
    let org = org.ok_or(AppError::NotFound)?;
    let mut content = content;
    content.library_version = state.library.meta.version.clone();
    content.library_hash = state.library.content_hash.clone();
    let json = serde_json::to_string(&content).map_err(|e| AppError::Internal(e.to_string()))?;
    let (_, receipt) = state
        .store
        .create_report_with_photos(
            &state.reports.keys,
            &org,
            lang.code,
            &json,
            &photos,
            &state.today(),
        )
        .await?;
    let model = ReceiptPage {
        p: PublicChrome::new(&ctx, lang, "/meld", "public-receipt-title"),
        receipt: group_digits(&receipt),
    };
    Ok(page(StatusCode::OK, &model))
}

/// Whether the form carries a valid, unspent proof-of-work solution (spending it).
fn pow_solved(state: &AppState, fields: &[(String, String)]) -> bool {
    let token = field(fields, "pow_challenge").unwrap_or("");
    let counter = field(fields, "pow_solution").unwrap_or("");
    state
        .reports
        .solved(token, counter, state.now(), &state.config)
}

/// `1234 5678 9012 3456`: easier to copy by hand.
fn group_digits(receipt: &str) -> String {
    receipt
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

fn follow_up_page(
    state: &AppState,
    ctx: &Ctx,
    lang: &'static PublicLang,
    receipt: String,
    error: Option<String>,
) -> FollowUpPage {
    FollowUpPage {
        p: PublicChrome::new(ctx, lang, "/meld/follow-up", "public-follow-title"),
        receipt,
        error,
        thread: None,
        what: String::new(),
        sent_on: String::new(),
        message: String::new(),
        notice: None,
        pow: state.reports.challenge(state.now(), &state.config),
    }
}

/// GET /meld/follow-up: ask for the receipt.
pub async fn follow_up_form(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> AppResult<Response> {
    let lang = pick_lang(q.lang.as_deref(), &headers);
    Ok(page(
        StatusCode::OK,
        &follow_up_page(&state, &ctx, lang, String::new(), None),
    ))
}

fn thread_items(tr: PublicTr, messages: &[ReportMessage]) -> Vec<ThreadItem> {
    messages
        .iter()
        .map(|m| ThreadItem {
            from: tr.t(if m.kind == "question" {
                "public-from-analyst"
            } else {
                "public-from-you"
            }),
            date: m.created_on.clone(),
            body: m.body.clone(),
            question: m.kind == "question",
        })
        .collect()
}

/// POST /meld/follow-up: check the receipt (slowed down globally after failures); show
/// the thread; with a message, add it first.
pub async fn follow_up(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    form: FormData,
) -> AppResult<Response> {
    let fields = form.fields;
    let lang = pick_lang(field(&fields, "lang"), &headers);
    let tr = PublicTr { lang };
    let typed = field(&fields, "receipt").unwrap_or("").trim().to_string();
    let message = field(&fields, "message").unwrap_or("").to_string();
    let Some(receipt) = normalise_receipt(&typed) else {
        let model = follow_up_page(
            &state,
            &ctx,
            lang,
            typed,
            Some(tr.t("public-err-receipt-format")),
        );
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &model));
    };
    let checking = state.reports.verify.lock().await;
    let now = state.now();
    if let Err(wait) = state.reports.receipt_allowed(now) {
        let minutes = ((wait + 59) / 60).max(1).to_string();
        let mut model = follow_up_page(
            &state,
            &ctx,
            lang,
            typed,
            Some(tr.t1("public-err-receipt-wait", "minutes", &minutes)),
        );
        model.message = message;
        return Ok(page(StatusCode::TOO_MANY_REQUESTS, &model));
    }
    let found = state
        .store
        .report_by_receipt(&state.reports.keys, &receipt)
        .await?;
    let Some(mut report) = found else {
        state.reports.receipt_failed(now);
        drop(checking);
        let mut model = follow_up_page(
            &state,
            &ctx,
            lang,
            typed,
            Some(tr.t("public-err-receipt-wrong")),
        );
        model.message = message;
        return Ok(page(StatusCode::UNPROCESSABLE_ENTITY, &model));
    };
    drop(checking);
    let mut notice = None;
    let mut kept = String::new();
    let mut photo_error = None;
    // What the reporter adds counts against the channel's budgets like a new report.
    let adding = !form.files.is_empty() || !message.trim().is_empty();
    let busy = adding
        && !state
            .reports
            .report_allowed(state.now(), pow_solved(&state, &fields), &state.config);
    if busy {
        kept = message;
        notice = Some(tr.t("public-busy"));
    } else {
        if !form.files.is_empty() {
            match clean_photos(form.files).await? {
                Ok(photos) => {
                    state
                        .store
                        .add_reporter_photos(&report.access, &photos, &state.today())
                        .await?;
                    notice = Some(tr.t("public-photos-sent"));
                }
                Err((_, key)) => photo_error = Some(tr.t(key)),
            }
        }
        if photo_error.is_some() {
            // Nothing of the message is sent without its photos: the reporter decides again.
            kept = message;
        } else if !message.trim().is_empty() {
            if message.chars().count() > REPORT_TEXT_MAX / 4 {
                kept = message;
                notice = Some(tr.t("public-err-too-long"));
            } else {
                state
                    .store
                    .add_reporter_message(&report.access, &message, &state.today())
                    .await?;
                report.messages.push(ReportMessage {
                    seq: report.messages.len() as i64 + 1,
                    kind: "reporter".into(),
                    body: message,
                    created_on: state.today(),
                });
                notice = Some(tr.t("public-message-sent"));
            }
        }
    }
    let content: ReportContent = serde_json::from_str(&report.content).unwrap_or_default();
    let model = FollowUpPage {
        p: PublicChrome::new(&ctx, lang, "/meld/follow-up", "public-follow-title"),
        receipt: group_digits(&receipt),
        error: photo_error,
        thread: Some(thread_items(tr, &report.messages)),
        what: content.what,
        sent_on: report.created_on,
        message: kept,
        notice,
        pow: state.reports.challenge(state.now(), &state.config),
    };
    let status = if busy {
        StatusCode::TOO_MANY_REQUESTS
    } else {
        StatusCode::OK
    };
    Ok(page(status, &model))
}

/// GET /meld/privacy: what is and is not stored, and how to stay safe.
pub async fn privacy(
    ctx: Ctx,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> AppResult<Response> {
    let lang = pick_lang(q.lang.as_deref(), &headers);
    Ok(page(
        StatusCode::OK,
        &PrivacyPage {
            p: PublicChrome::new(&ctx, lang, "/meld/privacy", "public-privacy-title"),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_public_language_loads_and_has_every_key() {
        let bundles = load_bundles().unwrap();
        assert_eq!(bundles.len(), PUBLIC_LANGS.len());
        let reference = PublicLang::parse(REFERENCE_LANG).unwrap().keys();
        assert!(reference.len() > 30);
        for lang in PUBLIC_LANGS {
            let keys = lang.keys();
            let missing: Vec<_> = reference.iter().filter(|k| !keys.contains(k)).collect();
            let extra: Vec<_> = keys.iter().filter(|k| !reference.contains(k)).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", lang.code);
            assert!(extra.is_empty(), "{} has unknown {extra:?}", lang.code);
        }
    }

    #[test]
    fn every_language_is_really_translated() {
        let values = |l: &PublicLang| -> Vec<(String, String)> {
            l.source
                .lines()
                .filter_map(|line| line.split_once(" = "))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let english = values(PublicLang::parse("en").unwrap());
        for lang in PUBLIC_LANGS.iter().filter(|l| l.code != "en") {
            let same = values(lang)
                .iter()
                .filter(|kv| english.contains(kv))
                .count();
            assert!(same * 10 < english.len(), "{} is mostly English", lang.code);
        }
    }

    #[test]
    fn arabic_is_right_to_left_and_the_others_are_not() {
        for l in PUBLIC_LANGS {
            assert_eq!(l.rtl, l.code == "ar", "{}", l.code);
        }
    }

    #[test]
    fn towns_and_postcodes_are_matched_loosely() {
        assert_eq!(town_key("Gemeente Demodorp"), "demodorp");
        assert_eq!(town_key("  demodorp "), "demodorp");
        assert_eq!(parse_postcode("3512 AB"), Some((3512, Some(Country::NL))));
        assert_eq!(parse_postcode(" 3512ab "), Some((3512, Some(Country::NL))));
        assert_eq!(parse_postcode("3500"), Some((3500, None)));
        for not_one in ["Utrecht", "351", "35123", "0123", "3512 ABC", "3512-AB"] {
            assert_eq!(parse_postcode(not_one), None, "{not_one}");
        }
    }

    #[test]
    fn wrong_receipts_wait_longer_and_longer() {
        let ch = ReportChannel::new(None);
        let t = 1_000_000;
        for _ in 0..FREE_RECEIPT_FAILURES {
            assert!(ch.receipt_allowed(t).is_ok());
            ch.receipt_failed(t);
        }
        assert!(ch.receipt_allowed(t).is_ok());
        ch.receipt_failed(t);
        assert_eq!(ch.receipt_allowed(t), Err(2));
        ch.receipt_failed(t + 2);
        assert_eq!(ch.receipt_allowed(t + 2), Err(4));
        assert!(ch.receipt_allowed(t + 6).is_ok());
    }
}
