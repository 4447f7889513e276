//! Normalisation of raw field values into comparable forms: person names (particles,
//! initials, word order, double surnames), addresses (street abbreviations, house
//! number + addition + box, postcodes), companies (legal-form suffixes), dates and
//! identifiers (checked with `baken_domain::identifiers`).
//!
//! Every normaliser is idempotent: applying it to its own output changes nothing.

use baken_domain::identifiers::{
    BeNationalNumber, Bsn, Country, EmailAddress, Iban, KboNumber, KvkNumber, LicencePlate,
    PhoneNumber, Postcode,
};

use crate::fold::{fold, phonetic};
use crate::schema::{Field, RawRecord};

/// Name particles (tussenvoegsels) of Dutch, Flemish, French, German and Iberian names.
/// They are dropped from the surname core: `Berg, van der` = `vd Berg` = `Berg`.
const PARTICLES: &[&str] = &[
    "van", "der", "den", "de", "het", "ter", "ten", "te", "in", "op", "t", "'t", "d'", "d", "le",
    "la", "les", "du", "des", "l'", "l", "von", "vom", "zu", "zum", "di", "da", "dos", "das",
    "del", "della", "y", "vd", "vdr", "v", "vden", "vder", "van't", "vant", "vanden", "vander",
    "uit", "aan", "onder", "bij",
];

fn is_particle(t: &str) -> bool {
    PARTICLES.contains(&t)
}

/// Splits a folded name into tokens: spaces, hyphens (already spaces after folding) and
/// apostrophes after `d`/`l` (`d'hondt` → `d'`, `hondt`).
fn name_tokens(folded: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in folded.split(' ') {
        if t.is_empty() {
            continue;
        }
        if let Some(rest) = t.strip_prefix("d'").or_else(|| t.strip_prefix("l'")) {
            out.push(t[..2].to_owned());
            if !rest.is_empty() {
                out.push(rest.replace('\'', ""));
            }
            continue;
        }
        let t = t.trim_matches('\'');
        if !t.is_empty() {
            out.push(t.replace('\'', ""));
        }
    }
    out.retain(|t| !t.is_empty());
    out
}

/// A surname reduced to its core: particles dropped, the remaining words (of a double
/// surname) sorted, so `Jansen-de Vries`, `de Vries-Jansen` and `Vries, de - Jansen`
/// agree. A surname made only of particles (`De`) is kept whole.
pub fn surname_core(raw: &str) -> Option<String> {
    let folded = fold(raw);
    let tokens = name_tokens(&folded);
    if tokens.is_empty() {
        return None;
    }
    let mut core: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| !is_particle(t))
        .collect();
    if core.is_empty() {
        core = tokens.iter().map(String::as_str).collect();
    }
    core.sort_unstable();
    core.dedup();
    Some(core.join(" "))
}

/// Given names: folded words in their order (the first given name matters most).
/// Initials written `J.P.` or `JP` (two or three capitals) become `j p`.
pub fn given_names(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    let looks_like_initials =
        (2..=3).contains(&trimmed.len()) && trimmed.bytes().all(|b| b.is_ascii_uppercase());
    let folded = if looks_like_initials {
        trimmed
            .chars()
            .map(|c| c.to_ascii_lowercase().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        fold(raw)
    };
    let tokens = name_tokens(&folded);
    if tokens.is_empty() {
        return None;
    }
    Some(tokens.join(" "))
}

/// Whether a normalised given-name string holds only initials (`j p`).
pub fn only_initials(given: &str) -> bool {
    given.split(' ').all(|t| t.len() == 1)
}

/// Splits a full name into (given names, surname). `Berg, Jan van der` and
/// `Jan van der Berg` both give (`Jan`, `van der Berg`): after a comma the surname comes
/// first; otherwise the surname starts at the first particle, or is the last word.
pub fn split_full_name(raw: &str) -> (Option<String>, Option<String>) {
    if let Some((sur, given)) = raw.split_once(',') {
        // `Berg, Jan van der`: particles after the given names belong to the surname.
        let g_tokens: Vec<&str> = given.split_whitespace().collect();
        let first_particle = g_tokens
            .iter()
            .position(|t| is_particle(&fold(t)))
            .unwrap_or(g_tokens.len());
        let given = g_tokens[..first_particle].join(" ");
        let particles = g_tokens[first_particle..].join(" ");
        let surname = format!("{particles} {sur}");
        return (
            Some(given).filter(|s| !s.trim().is_empty()),
            Some(surname).filter(|s| !s.trim().is_empty()),
        );
    }
    let tokens: Vec<&str> = raw.split_whitespace().collect();
    if tokens.len() < 2 {
        return (None, tokens.first().map(|s| (*s).to_owned()));
    }
    let start = tokens
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, t)| is_particle(&fold(t)))
        .map_or(tokens.len() - 1, |(i, _)| i);
    (
        Some(tokens[..start].join(" ")),
        Some(tokens[start..].join(" ")),
    )
}

/// Street abbreviations expanded at the end of a word, so `Kerkstr.` = `Kerkstraat`.
const STREET_SUFFIXES: &[(&str, &str)] = &[
    ("str", "straat"),
    ("strt", "straat"),
    ("ln", "laan"),
    ("wg", "weg"),
    ("pln", "plein"),
    ("pl", "plein"),
    ("gr", "gracht"),
    ("grt", "gracht"),
    ("kd", "kade"),
    ("sngl", "singel"),
    ("dk", "dijk"),
    ("dyk", "dijk"),
    ("stwg", "steenweg"),
    ("stwg.", "steenweg"),
    ("blvd", "boulevard"),
    ("mrkt", "markt"),
];

/// Whole-word replacements in streets and cities.
const STREET_WORDS: &[(&str, &str)] = &[
    ("st", "sint"),
    ("sint", "sint"),
    ("str", "straat"),
    ("ln", "laan"),
    ("av", "avenue"),
    ("bd", "boulevard"),
    ("ch", "chaussee"),
    ("ave", "avenue"),
    ("stwg", "steenweg"),
    ("pres", "president"),
    ("burg", "burgemeester"),
    ("mr", "meester"),
    ("dr", "dokter"),
    ("prof", "professor"),
    ("kon", "koning"),
    ("kon.", "koning"),
];

/// A street name: folded, abbreviations expanded, spaces removed (`Van der Helst
/// straat` = `vanderhelststraat`).
pub fn street(raw: &str) -> Option<String> {
    let folded = fold(raw).replace('\'', "");
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(folded.len() + 8);
    let last = words.len() - 1;
    for (i, w) in words.iter().enumerate() {
        let mut word = (*w).to_owned();
        if let Some((_, full)) = STREET_WORDS.iter().find(|(a, _)| a == w) {
            // `St` at the start is Sint; at the end it is the street suffix.
            word = if *w == "st" && i == last && i > 0 {
                "straat".to_owned()
            } else {
                (*full).to_owned()
            };
        }
        out.push_str(&word);
    }
    // Expansions are also applied to the joined name (not only to words) so that the
    // result is a fixed point: `m r` joins to `mr`, which must become `meester` at
    // once; `a pl` and `apl` both become `aplein`.
    if let Some((_, full)) = STREET_WORDS.iter().find(|(a, _)| *a == out) {
        out = (*full).to_owned();
    }
    for (abbr, full) in STREET_SUFFIXES {
        if out.len() > abbr.len() && out.ends_with(abbr) && !out.ends_with(full) {
            out.truncate(out.len() - abbr.len());
            out.push_str(full);
            break;
        }
    }
    Some(out)
}

/// A city or place name: folded, spaces and apostrophes removed (`'s-Gravenhage` =
/// `sgravenhage`).
pub fn city(raw: &str) -> Option<String> {
    let f = fold(raw).replace(['\'', ' '], "");
    (!f.is_empty()).then_some(f)
}

/// House number, its addition and box: `12a`, `12-A`, `12 bus 3`, `12/3`, `12 bis`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HouseNumber {
    pub number: u32,
    pub addition: Option<String>,
}

pub fn house_number(raw: &str) -> Option<HouseNumber> {
    let f = fold(raw);
    let digits: String = f.chars().take_while(char::is_ascii_digit).collect();
    let number: u32 = digits.get(..digits.len().min(6))?.parse().ok()?;
    if number == 0 {
        return None;
    }
    let rest = f[digits.len()..].replace(' ', "");
    let rest = ["bus", "bte", "box", "bt"]
        .iter()
        .find_map(|p| rest.strip_prefix(p).map(|r| format!("b{r}")))
        .unwrap_or(rest);
    Some(HouseNumber {
        number,
        addition: (!rest.is_empty()).then_some(rest),
    })
}

/// A postcode in compact form: valid NL/BE postcodes as `1234AB` / `1000`, anything
/// else upper-case letters and digits (so foreign postcodes still compare).
pub fn postcode(raw: &str) -> Option<String> {
    if let Ok(p) = Postcode::parse(raw) {
        return Some(p.as_str().to_owned());
    }
    let s: String = raw
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .take(12)
        .collect();
    (!s.is_empty()).then_some(s)
}

/// The first four characters of a compact postcode: NL "pc4" area, BE postcode.
pub fn postcode_area(pc: &str) -> &str {
    pc.get(..4).unwrap_or(pc)
}

/// A full address line `Kerkstraat 12a bus 3, 1234 AB Amsterdam`, split into street,
/// house number, postcode and city where those can be recognised.
pub fn split_address(
    raw: &str,
) -> (
    Option<String>,
    Option<HouseNumber>,
    Option<String>,
    Option<String>,
) {
    let (line, place) = raw.split_once(',').unwrap_or((raw, ""));
    let words: Vec<&str> = line.split_whitespace().collect();
    let num_at = words
        .iter()
        .position(|w| w.bytes().next().is_some_and(|b| b.is_ascii_digit()));
    let (street_part, house_part) = match num_at {
        Some(i) if i > 0 => (words[..i].join(" "), Some(words[i..].join(" "))),
        _ => (words.join(" "), None),
    };
    let place_words: Vec<&str> = place.split_whitespace().collect();
    let mut pc = None;
    let mut city_words = Vec::new();
    let mut i = 0;
    while i < place_words.len() {
        let w = place_words[i];
        if pc.is_none() {
            if let Some(next) = place_words.get(i + 1) {
                if let Ok(p) = Postcode::parse(&format!("{w}{next}")) {
                    if p.as_str().len() == 6 {
                        pc = Some(p.as_str().to_owned());
                        i += 2;
                        continue;
                    }
                }
            }
            if let Ok(p) = Postcode::parse(w) {
                pc = Some(p.as_str().to_owned());
                i += 1;
                continue;
            }
        }
        city_words.push(w);
        i += 1;
    }
    (
        street(&street_part),
        house_part.as_deref().and_then(house_number),
        pc,
        city(&city_words.join(" ")),
    )
}

/// Legal-form words dropped from company names (NL, BE in Dutch and French, and the
/// forms foreign companies register with).
const LEGAL_FORMS: &[&str] = &[
    "bv",
    "nv",
    "vof",
    "cv",
    "bvba",
    "sprl",
    "srl",
    "sa",
    "vzw",
    "asbl",
    "cvba",
    "scrl",
    "commv",
    "scs",
    "comm",
    "va",
    "sca",
    "se",
    "ltd",
    "limited",
    "llc",
    "inc",
    "gmbh",
    "ag",
    "kg",
    "sarl",
    "sas",
    "spzoo",
    "sp",
    "zoo",
    "oo",
    "eenmanszaak",
    "stichting",
    "vereniging",
    "cooperatie",
    "coop",
    "ua",
    "wa",
    "ba",
    "bvbvba",
    "esv",
];

/// A company name: folded, legal-form words (`B.V.`, `BV/SRL`, `NV/SA`, `VZW/ASBL`,
/// `V.O.F.` …) dropped, words kept in order.
pub fn company(raw: &str) -> Option<String> {
    // Join dotted abbreviations first: `b.v.` → `bv`, `v.o.f.` → `vof`.
    let mut joined = String::with_capacity(raw.len());
    let chars: Vec<char> = raw.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let single_letter_before =
            i >= 1 && chars[i - 1].is_alphabetic() && (i < 2 || !chars[i - 2].is_alphabetic());
        if c == '.' && single_letter_before {
            continue;
        }
        joined.push(c);
    }
    let folded = fold(&joined).replace('\'', "");
    let words: Vec<&str> = folded
        .split(' ')
        .filter(|w| !w.is_empty() && !LEGAL_FORMS.contains(w))
        .collect();
    if words.is_empty() {
        let all = folded.replace(' ', "");
        return (!all.is_empty()).then_some(all);
    }
    Some(words.join(" "))
}

/// A birth date as `yyyymmdd`. Accepts `yyyy-mm-dd`, `yyyymmdd`, `dd-mm-yyyy`,
/// `dd/mm/yyyy`, `d-m-yyyy`. Impossible dates with a four-digit year and two-digit day
/// and month are kept as digits: a typo makes a date impossible as often as it makes it
/// wrong (`1943-01-77` for `1943-01-17`), a swapped day and month is a known error, and
/// the comparison looks at digits. A year alone (day and month 0) tells too little to
/// compare as a date and is left out, as are years before 1000.
pub fn birth_date(raw: &str) -> Option<u32> {
    let s = raw.trim();
    let parts: Vec<&str> = s
        .split(['-', '/', '.', ' '])
        .filter(|p| !p.is_empty())
        .collect();
    let num = |p: &str| -> Option<u32> {
        if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse().ok()
    };
    let (y, m, d) = match parts.as_slice() {
        [one] if one.len() == 8 && one.bytes().all(|b| b.is_ascii_digit()) => {
            (num(&one[..4])?, num(&one[4..6])?, num(&one[6..])?)
        }
        [a, b, c] if a.len() == 4 => (num(a)?, num(b)?, num(c)?),
        [a, b, c] if c.len() == 4 => (num(c)?, num(b)?, num(a)?),
        _ => return None,
    };
    if !(1000..=9999).contains(&y) || m > 99 || d > 99 || (m == 0 && d == 0) {
        return None;
    }
    Some(y * 10_000 + m * 100 + d)
}

/// A person's or organisation's identifiers after checking.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NormRecord {
    pub given: Option<String>,
    /// First letter of the given name read as a surname core (particles dropped), for
    /// the swapped-names pre-check; 0 when unknown.
    pub given_core_initial: u8,
    pub surname: Option<String>,
    pub birth_date: Option<u32>,
    pub street: Option<String>,
    pub house: Option<HouseNumber>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// A BSN or Belgian national register number that passed its checksum.
    pub national_id: Option<String>,
    pub iban: Option<String>,
    /// KvK or KBO number (they never collide: 8 vs 10 digits).
    pub company_number: Option<String>,
    pub plate: Option<String>,
    pub other_id: Option<String>,
    pub company: Option<String>,
    /// Stable error codes of identifiers that failed their checks (for example
    /// `bsn.checksum`). Such values are never compared: a bad checksum cannot link.
    pub rejected: Vec<&'static str>,
}

/// The order in which fields are merged into a record: later fields override earlier
/// ones (a `given_name` column wins over the given name split from `full_name`; a
/// `postcode` column over the postcode found in an `address` line).
pub const MERGE_ORDER: [Field; Field::COUNT] = [
    Field::FullName,
    Field::GivenName,
    Field::Surname,
    Field::BirthDate,
    Field::Address,
    Field::Street,
    Field::HouseNumber,
    Field::Postcode,
    Field::City,
    Field::Phone,
    Field::Email,
    Field::NationalId,
    Field::Iban,
    Field::Kvk,
    Field::Kbo,
    Field::Plate,
    Field::OtherId,
    Field::Company,
];

fn phone(p: &str, country: Country) -> Option<String> {
    match PhoneNumber::parse(p, country) {
        Ok(v) => Some(v.as_str()[1..].to_owned()),
        Err(_) => {
            // Not a valid NL/BE number: keep its digits so typos still compare.
            let d: String = p.chars().filter(char::is_ascii_digit).take(20).collect();
            let d = d.trim_start_matches('0').to_owned();
            (d.len() >= 6).then_some(d)
        }
    }
}

fn checked<T, E>(
    r: Result<T, E>,
    ok: impl FnOnce(T) -> String,
    code: impl FnOnce(E) -> &'static str,
    n: &mut NormRecord,
) -> Option<String> {
    match r {
        Ok(v) => Some(ok(v)),
        Err(e) => {
            n.rejected.push(code(e));
            None
        }
    }
}

/// What one field's value contributes to a record (a partial [`NormRecord`]). Pure
/// and depends only on the value, so callers may cache it per distinct value.
pub fn normalise_field(field: Field, value: &str, country: Country) -> NormRecord {
    let mut n = NormRecord::default();
    let v = value.trim();
    if v.is_empty() {
        return n;
    }
    match field {
        Field::FullName => {
            let (g, s) = split_full_name(v);
            n.given = g.as_deref().and_then(given_names);
            n.surname = s.as_deref().and_then(surname_core);
            n.given_core_initial = core_initial(n.given.as_deref());
        }
        Field::GivenName => {
            n.given = given_names(v);
            n.given_core_initial = core_initial(n.given.as_deref());
        }
        Field::Surname => n.surname = surname_core(v),
        Field::BirthDate => n.birth_date = birth_date(v),
        Field::Address => {
            let (st, hn, pc, ci) = split_address(v);
            (n.street, n.house, n.postcode, n.city) = (st, hn, pc, ci);
        }
        Field::Street => {
            // A street cell may carry the house number too: `Kerkstraat 12a`.
            let (st, hn, _, _) = split_address(v);
            (n.street, n.house) = (st, hn);
        }
        Field::HouseNumber => n.house = house_number(v),
        Field::Postcode => n.postcode = postcode(v),
        Field::City => n.city = city(v),
        Field::Phone => n.phone = phone(v, country),
        Field::Email => {
            n.email = checked(
                EmailAddress::parse(v),
                |e| e.as_str().to_ascii_lowercase(),
                |e| e.code(),
                &mut n,
            )
        }
        Field::NationalId => {
            n.national_id = match (Bsn::parse(v), BeNationalNumber::parse(v)) {
                (Ok(b), _) => Some(b.as_str().to_owned()),
                (_, Ok(r)) => Some(r.as_str().to_owned()),
                (Err(e), Err(_)) => {
                    n.rejected.push(e.code());
                    None
                }
            }
        }
        Field::Iban => {
            n.iban = checked(
                Iban::parse(v),
                |i| i.as_str().to_owned(),
                |e| e.code(),
                &mut n,
            )
        }
        Field::Kvk => {
            n.company_number = checked(
                KvkNumber::parse(v),
                |k| k.as_str().to_owned(),
                |e| e.code(),
                &mut n,
            )
        }
        Field::Kbo => {
            n.company_number = checked(
                KboNumber::parse(v),
                |k| k.as_str().to_owned(),
                |e| e.code(),
                &mut n,
            )
        }
        Field::Plate => {
            n.plate = checked(
                LicencePlate::parse(v),
                |p| p.as_str().to_owned(),
                |e| e.code(),
                &mut n,
            )
        }
        Field::OtherId => {
            let s: String = crate::fold::clip(v)
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_uppercase())
                .collect();
            n.other_id = (!s.is_empty()).then_some(s);
        }
        Field::Company => n.company = company(v),
    }
    n
}

fn core_initial(given: Option<&str>) -> u8 {
    given
        .and_then(surname_core)
        .and_then(|c| c.as_bytes().first().copied())
        .unwrap_or(0)
}

fn over<T: Clone>(dst: &mut Option<T>, src: &Option<T>) {
    if src.is_some() {
        dst.clone_from(src);
    }
}

/// Merges one field's contribution into a record (see [`MERGE_ORDER`]).
pub fn merge_field(n: &mut NormRecord, field: Field, piece: &NormRecord) {
    match field {
        Field::Street => {
            over(&mut n.street, &piece.street);
            if n.house.is_none() {
                n.house.clone_from(&piece.house);
            }
        }
        _ => {
            if piece.given.is_some() {
                n.given_core_initial = piece.given_core_initial;
            }
            over(&mut n.given, &piece.given);
            over(&mut n.surname, &piece.surname);
            over(&mut n.birth_date, &piece.birth_date);
            over(&mut n.street, &piece.street);
            over(&mut n.house, &piece.house);
            over(&mut n.postcode, &piece.postcode);
            over(&mut n.city, &piece.city);
            over(&mut n.phone, &piece.phone);
            over(&mut n.email, &piece.email);
            over(&mut n.national_id, &piece.national_id);
            over(&mut n.iban, &piece.iban);
            over(&mut n.company_number, &piece.company_number);
            over(&mut n.plate, &piece.plate);
            over(&mut n.other_id, &piece.other_id);
            over(&mut n.company, &piece.company);
        }
    }
    n.rejected.extend_from_slice(&piece.rejected);
}

/// Normalises every mapped field of a raw record. `country` is the default for
/// national phone numbers.
pub fn normalise(raw: &RawRecord, country: Country) -> NormRecord {
    let mut n = NormRecord::default();
    for f in MERGE_ORDER {
        if let Some(v) = raw.get(f) {
            merge_field(&mut n, f, &normalise_field(f, v, country));
        }
    }
    n
}

/// The phonetic key of a normalised name (first word for given names).
pub fn name_phonetic(name: &str) -> String {
    phonetic(name.split(' ').next().unwrap_or(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surname_particles_and_order() {
        let want = Some("berg".to_owned());
        for v in [
            "van der Berg",
            "Berg, van der",
            "vd Berg",
            "v.d. Berg",
            "Berg",
            "VAN DER BERG",
            "van den Berg",
        ] {
            assert_eq!(surname_core(v), want, "{v}");
        }
        assert_eq!(
            surname_core("Jansen-de Vries"),
            surname_core("de Vries-Jansen")
        );
        assert_eq!(
            surname_core("Jansen-de Vries").as_deref(),
            Some("jansen vries")
        );
        assert_eq!(surname_core("D'Hondt").as_deref(), Some("hondt"));
        assert_eq!(surname_core("de").as_deref(), Some("de"));
        assert_eq!(surname_core("Müller").as_deref(), Some("muller"));
        assert_eq!(surname_core("  "), None);
    }

    #[test]
    fn given_names_and_initials() {
        assert_eq!(given_names("J.P.").as_deref(), Some("j p"));
        assert_eq!(given_names("JP").as_deref(), Some("j p"));
        assert_eq!(given_names("Jan-Pieter").as_deref(), Some("jan pieter"));
        assert!(only_initials("j p"));
        assert!(!only_initials("jan p"));
    }

    #[test]
    fn full_names() {
        assert_eq!(
            split_full_name("Jan van der Berg"),
            (Some("Jan".into()), Some("van der Berg".into()))
        );
        assert_eq!(
            split_full_name("Berg, Jan van der"),
            (Some("Jan".into()), Some("van der Berg".into()))
        );
        assert_eq!(
            split_full_name("Jan Jansen"),
            (Some("Jan".into()), Some("Jansen".into()))
        );
    }

    #[test]
    fn streets_and_numbers() {
        assert_eq!(street("Kerkstr."), street("Kerkstraat"));
        assert_eq!(street("Van der Helst straat"), street("vanderhelststraat"));
        assert_eq!(street("St. Jansstraat"), street("Sint Jansstraat"));
        assert_eq!(
            street("Kon. Astridlaan").as_deref(),
            Some("koningastridlaan")
        );
        assert_eq!(
            house_number("12a"),
            Some(HouseNumber {
                number: 12,
                addition: Some("a".into())
            })
        );
        assert_eq!(house_number("12-A"), house_number("12 a"));
        assert_eq!(
            house_number("12 bus 3"),
            Some(HouseNumber {
                number: 12,
                addition: Some("b3".into())
            })
        );
        assert_eq!(house_number("12 bte 3"), house_number("12 bus 3"));
        assert_eq!(house_number("abc"), None);
        let (s, h, p, c) = split_address("Kerkstr. 12a, 1234 ab 's-Gravenhage");
        assert_eq!(s.as_deref(), Some("kerkstraat"));
        assert_eq!(h.map(|h| h.number), Some(12));
        assert_eq!(p.as_deref(), Some("1234AB"));
        assert_eq!(c.as_deref(), Some("sgravenhage"));
    }

    #[test]
    fn companies_drop_legal_forms() {
        assert_eq!(
            company("Bouwbedrijf Jansen B.V."),
            company("bouwbedrijf jansen bv")
        );
        assert_eq!(
            company("Schoonmaak Plus BV/SRL").as_deref(),
            Some("schoonmaak plus")
        );
        assert_eq!(company("Les Amis VZW/ASBL").as_deref(), Some("les amis"));
        assert_eq!(
            company("Van Dijk & Zn V.O.F.").as_deref(),
            Some("van dijk zn")
        );
    }

    #[test]
    fn dates() {
        assert_eq!(birth_date("1985-07-31"), Some(19850731));
        assert_eq!(birth_date("19850731"), Some(19850731));
        assert_eq!(birth_date("31-07-1985"), Some(19850731));
        assert_eq!(birth_date("1985-31-07"), Some(19853107));
        // Impossible but typed: kept for the one-digit comparison.
        assert_eq!(birth_date("1943-01-77"), Some(19430177));
        assert_eq!(birth_date("1951-11-00"), Some(19511100));
        assert_eq!(birth_date("9185-10-14"), Some(91851014));
        // Too little to compare: a year alone, a year before 1000, no date.
        assert_eq!(birth_date("1951-00-00"), None);
        assert_eq!(birth_date("0000-00-00"), None);
        assert_eq!(birth_date("0998-12-09"), None);
        assert_eq!(birth_date(""), None);
    }

    #[test]
    fn bad_checksums_are_rejected_not_kept() {
        let raw = RawRecord::new()
            .with(Field::NationalId, "111222334")
            .with(Field::Iban, "NL92ABNA0417164300");
        let n = normalise(&raw, Country::Nl);
        assert_eq!(n.national_id, None);
        assert_eq!(n.iban, None);
        assert_eq!(n.rejected, vec!["bsn.checksum", "iban.checksum"]);
    }
}
