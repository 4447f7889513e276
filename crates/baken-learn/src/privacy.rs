//! A checker for text that looks like personal data, run before a lesson, case or
//! post is published: names, BSN, IBAN, phone numbers, licence plates, addresses
//! (postcode with house number, or street with house number) and e-mail addresses.
//!
//! Candidates are found with patterns and then validated with the same rules the
//! intake uses (`baken_domain::identifiers`: eleven-test, mod-97, plate side codes,
//! phone lengths), so that ordinary numbers do not trip it. Names are a heuristic:
//! two or more capitalised words (with Dutch, French or Arabic particles between
//! them) whose first word is not a common capitalised word, or a title followed by
//! a capitalised word.

use std::ops::Range;
use std::sync::OnceLock;

use baken_domain::identifiers::{Bsn, Country, EmailAddress, Iban, LicencePlate, PhoneNumber};
use regex::Regex;
use serde::Serialize;

/// What a finding looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Name,
    Bsn,
    Iban,
    Phone,
    Plate,
    Address,
    Email,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Name => "name",
            Kind::Bsn => "bsn",
            Kind::Iban => "iban",
            Kind::Phone => "phone",
            Kind::Plate => "plate",
            Kind::Address => "address",
            Kind::Email => "email",
        }
    }
}

/// Something that looks like personal data, at byte range `span` of the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: Kind,
    pub span: Range<usize>,
}

struct Patterns {
    iban: Regex,
    email: Regex,
    bsn: Regex,
    phone: Regex,
    plate: Regex,
    postcode_number: Regex,
    street_number: Regex,
    rue_number: Regex,
    titled: Regex,
    name: Regex,
}

const PARTICLES: &str = r"(?:van|de|der|den|ter|ten|te|het|in 't|op de|du|des|la|le|el|al|ben|bin|da|dos|von|vande|vanden)";

fn patterns() -> Option<&'static Patterns> {
    static P: OnceLock<Option<Patterns>> = OnceLock::new();
    P.get_or_init(|| {
        let word = r"\p{Lu}\p{Ll}+(?:-\p{Lu}\p{Ll}+)?";
        Some(Patterns {
            iban: Regex::new(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
                .ok()?,
            email: Regex::new(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b").ok()?,
            bsn: Regex::new(r"\b(?:\d{9}|\d{4}\.\d{2}\.\d{3}|\d{3} \d{3} \d{3})\b").ok()?,
            phone: Regex::new(
                r"(?:\+|\b00)\d{2}[ -]?(?:\(0\)[ -]?)?\d(?:[ -]?\d){6,10}\b|\b0\d(?:[ -]?\d){7,8}\b",
            )
            .ok()?,
            plate: Regex::new(r"\b[A-Z0-9]{1,3}-[A-Z0-9]{2,3}-[A-Z0-9]{1,3}\b").ok()?,
            postcode_number: Regex::new(r"\b[1-9]\d{3} ?[A-Z]{2}\b,? *(?:nr\.? *)?\d{1,5}[a-z]?\b")
                .ok()?,
            street_number: Regex::new(
                r"\b\p{Lu}[\p{L}'-]*(?:straat|laan|weg|plein|gracht|kade|dijk|singel|steenweg|dreef|hof|markt|pad|baan|lei)\s+\d{1,5}(?:\s?[a-zA-Z]\b)?",
            )
            .ok()?,
            rue_number: Regex::new(
                r"\b(?i:rue|avenue|boulevard|chaussée|place)\s+(?:(?:de|du|des|la|le|l')\s*)*\p{Lu}[\p{L}'-]+(?:\s+\p{Lu}[\p{L}'-]+)*,?\s+\d{1,5}\b",
            )
            .ok()?,
            titled: Regex::new(&format!(
                r"\b(?:[Mm]evrouw|[Mm]eneer|[Dd]hr\.|[Mm]evr\.|Mr\.?|Mrs\.?|Ms\.?|Madame|Monsieur|Mme|Mlle)\s+(?:{PARTICLES}\s+)*{word}"
            ))
            .ok()?,
            name: Regex::new(&format!(
                r"\b{word}(?:\s+{word})*\s+(?:{PARTICLES}\s+)*{word}\b"
            ))
            .ok()?,
        })
    })
    .as_ref()
}

/// Capitalised words that start sentences or name things, not people. A name
/// candidate whose first word is one of these is not a name (the search moves on
/// to the next word).
const NOT_NAMES: &[&str] = &[
    // Dutch
    "De",
    "Het",
    "Een",
    "Hij",
    "Zij",
    "Ze",
    "Wij",
    "We",
    "Jij",
    "Je",
    "U",
    "Ik",
    "Die",
    "Dat",
    "Dit",
    "Deze",
    "Er",
    "In",
    "Op",
    "Bij",
    "Na",
    "Voor",
    "Met",
    "Als",
    "Maar",
    "En",
    "Of",
    "Toen",
    "Wat",
    "Wie",
    "Waar",
    "Hoe",
    "Geen",
    "Niet",
    "Ook",
    "Nu",
    "Dan",
    "Zo",
    "Aan",
    "Uit",
    "Om",
    "Over",
    "Door",
    "Tijdens",
    "Twee",
    "Drie",
    "Vier",
    "Vijf",
    "Zes",
    "Alle",
    "Elke",
    "Iedere",
    "Sommige",
    "Veel",
    "Let",
    "Vraag",
    "Kijk",
    "Bel",
    "Noteer",
    "Oefencasus",
    // English
    "The",
    "A",
    "An",
    "He",
    "She",
    "They",
    "His",
    "Her",
    "Their",
    "It",
    "This",
    "That",
    "These",
    "At",
    "On",
    "For",
    "With",
    "When",
    "If",
    "But",
    "And",
    "Or",
    "After",
    "Before",
    "During",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Every",
    "Each",
    "Some",
    "Many",
    "No",
    "Ask",
    "Look",
    "Call",
    "Note",
    "Practice",
    "What",
    "Who",
    "Where",
    "How",
    "Do",
    "Don",
    "Not",
    "Also",
    "Then",
    // French
    "Le",
    "La",
    "Les",
    "Un",
    "Une",
    "Il",
    "Elle",
    "Ils",
    "Elles",
    "Nous",
    "Vous",
    "Son",
    "Sa",
    "Ses",
    "Leur",
    "Ce",
    "Cette",
    "Ces",
    "Au",
    "Aux",
    "Dans",
    "Pour",
    "Avec",
    "Quand",
    "Si",
    "Mais",
    "Et",
    "Ou",
    "Après",
    "Avant",
    "Pendant",
    "Deux",
    "Trois",
    "Quatre",
    "Cinq",
    "Chaque",
    "Plusieurs",
    "Aucun",
    "Aucune",
    "Demandez",
    "Regardez",
    "Appelez",
    "Notez",
    "Cas",
    "Qui",
    "Que",
    "Où",
    "Comment",
    "Ne",
    "Pas",
    "Aussi",
    "Puis",
    // Days, months and other proper nouns that are not people
    "Maandag",
    "Dinsdag",
    "Woensdag",
    "Donderdag",
    "Vrijdag",
    "Zaterdag",
    "Zondag",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Lundi",
    "Mardi",
    "Mercredi",
    "Jeudi",
    "Vendredi",
    "Samedi",
    "Dimanche",
    "Baken",
];

fn push(out: &mut Vec<Finding>, kind: Kind, span: Range<usize>) {
    if !out
        .iter()
        .any(|f| f.span.start < span.end && span.start < f.span.end)
    {
        out.push(Finding { kind, span });
    }
}

fn validated(
    out: &mut Vec<Finding>,
    text: &str,
    re: &Regex,
    kind: Kind,
    ok: impl Fn(&str) -> bool,
) {
    for m in re.find_iter(text) {
        if ok(m.as_str()) {
            push(out, kind, m.range());
        }
    }
}

fn names(out: &mut Vec<Finding>, text: &str, re: &Regex) {
    let mut at = 0;
    while let Some(m) = re.find_at(text, at) {
        let s = m.as_str();
        let first_len = s.find(|c: char| c.is_whitespace()).unwrap_or(s.len());
        let first = &s[..first_len];
        if NOT_NAMES.contains(&first) {
            // Try again from the next word.
            at = m.start() + first_len;
            continue;
        }
        push(out, Kind::Name, m.range());
        at = m.end();
    }
}

/// Everything in `text` that looks like personal data, ordered by position.
pub fn scan(text: &str) -> Vec<Finding> {
    let Some(p) = patterns() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    validated(&mut out, text, &p.iban, Kind::Iban, |s| {
        Iban::parse(s).is_ok()
    });
    // An IBAN-shaped run with a wrong check digit is a mistyped or made-up account,
    // not a phone number or BSN hiding inside it.
    let masked: Vec<Range<usize>> = p.iban.find_iter(text).map(|m| m.range()).collect();
    validated(&mut out, text, &p.email, Kind::Email, |s| {
        EmailAddress::parse(s).is_ok()
    });
    validated(&mut out, text, &p.bsn, Kind::Bsn, |s| Bsn::parse(s).is_ok());
    validated(&mut out, text, &p.phone, Kind::Phone, |s| {
        PhoneNumber::parse(s, Country::Nl).is_ok() || PhoneNumber::parse(s, Country::Be).is_ok()
    });
    validated(&mut out, text, &p.plate, Kind::Plate, |s| {
        LicencePlate::parse(s).is_ok()
    });
    for re in [&p.postcode_number, &p.street_number, &p.rue_number] {
        validated(&mut out, text, re, Kind::Address, |_| true);
    }
    validated(&mut out, text, &p.titled, Kind::Name, |_| true);
    names(&mut out, text, &p.name);
    out.retain(|f| {
        f.kind == Kind::Iban
            || !masked
                .iter()
                .any(|m| m.start < f.span.end && f.span.start < m.end)
    });
    out.sort_by_key(|f| f.span.start);
    out
}

/// The placeholder that stands in for a finding of `kind` in anonymised text.
pub fn placeholder(kind: Kind) -> String {
    format!("[{}]", kind.as_str())
}

/// `text` with everything [`scan`] finds replaced by its placeholder (`[name]`, `[bsn]`,
/// …), repeated until the checker finds nothing more: the first step of turning a real
/// case into a practice case, to be read and finished by a person.
pub fn anonymise(text: &str) -> String {
    let mut out = text.to_string();
    // Each round removes at least one finding and a placeholder is never one, so the
    // text shrinks towards a fixed point; the bound is only a guard.
    for _ in 0..8 {
        let findings = scan(&out);
        if findings.is_empty() {
            break;
        }
        for f in findings.iter().rev() {
            out.replace_range(f.span.clone(), &placeholder(f.kind));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anonymised_text_keeps_the_story_and_passes_the_checker() {
        let table: &[(&str, &str)] = &[
            (
                "Ik sprak met Jan de Vries aan de balie; BSN 111222333.",
                "Ik sprak met [name] aan de balie; BSN [bsn].",
            ),
            (
                "Loon naar NL91ABNA0417164300, bel 0612345678.",
                "Loon naar [iban], bel [phone].",
            ),
            (
                "Het busje 12-ABC-3 stond bij 1234 AB 5.",
                "Het busje [plate] stond bij [address].",
            ),
            (
                "Mail naar iemand@voorbeeld.nl of ga naar Dorpsstraat 12.",
                "Mail naar [email] of ga naar [address].",
            ),
            (
                "Niets persoonlijks: drie mensen sliepen in het magazijn.",
                "Niets persoonlijks: drie mensen sliepen in het magazijn.",
            ),
        ];
        for (text, expected) in table {
            let out = anonymise(text);
            assert_eq!(&out, expected, "{text}");
            assert!(scan(&out).is_empty(), "{out}");
        }
    }

    fn kinds(text: &str) -> Vec<(Kind, String)> {
        scan(text)
            .into_iter()
            .map(|f| (f.kind, text[f.span].to_string()))
            .collect()
    }

    #[test]
    fn catches_each_kind() {
        let table: &[(&str, Kind, &str)] = &[
            (
                "Ik sprak met Jan de Vries aan de balie.",
                Kind::Name,
                "Jan de Vries",
            ),
            (
                "Zij heet Fatima El Amrani, zegt de buurvrouw.",
                Kind::Name,
                "Fatima El Amrani",
            ),
            (
                "The worker, Piotr Kowalski, had no contract.",
                Kind::Name,
                "Piotr Kowalski",
            ),
            ("Hij werkt voor meneer Jansen.", Kind::Name, "meneer Jansen"),
            (
                "Il travaille pour Madame Dubois.",
                Kind::Name,
                "Madame Dubois",
            ),
            (
                "Kees van der Berg tekende het contract.",
                Kind::Name,
                "Kees van der Berg",
            ),
            (
                "BSN 111222333 staat op het formulier.",
                Kind::Bsn,
                "111222333",
            ),
            ("Zijn BSN is 1112.22.333.", Kind::Bsn, "1112.22.333"),
            (
                "Loon op NL91 ABNA 0417 1643 00 gestort.",
                Kind::Iban,
                "NL91 ABNA 0417 1643 00",
            ),
            (
                "Compte BE68539007547034 au nom d'un tiers.",
                Kind::Iban,
                "BE68539007547034",
            ),
            (
                "Bel hem op 06-12345678 na zessen.",
                Kind::Phone,
                "06-12345678",
            ),
            (
                "Call +31 6 12345678 tonight.",
                Kind::Phone,
                "+31 6 12345678",
            ),
            ("Appelez le 0470 12 34 56.", Kind::Phone, "0470 12 34 56"),
            (
                "Het busje met kenteken 12-ABC-3 stond er weer.",
                Kind::Plate,
                "12-ABC-3",
            ),
            (
                "La camionnette 1-ABC-123 attendait.",
                Kind::Plate,
                "1-ABC-123",
            ),
            ("Hij woont op 1234 AB 12.", Kind::Address, "1234 AB 12"),
            (
                "Het pand aan de Kerkstraat 14a is vol.",
                Kind::Address,
                "Kerkstraat 14a",
            ),
            (
                "Elle habite rue de la Loi 16.",
                Kind::Address,
                "rue de la Loi 16",
            ),
            (
                "Mail naar iemand@example.org voor info.",
                Kind::Email,
                "iemand@example.org",
            ),
        ];
        for (text, kind, want) in table {
            let got = kinds(text);
            assert!(
                got.iter().any(|(k, s)| k == kind && s == want),
                "{text:?}: expected {kind:?} {want:?}, got {got:?}"
            );
        }
    }

    #[test]
    fn ordinary_text_passes() {
        for text in [
            "Een Poolse vrouw van 34 komt zich inschrijven op een adres waar al 14 mensen staan.",
            "The Labour inspector counted 12 mattresses in 3 rooms; rent was 350 euro per bed.",
            "Le contrôleur a vu 8 personnes et 2 camionnettes, vers 6 heures du matin.",
            "Bel bij acuut gevaar 112. Noteer het signaal binnen 24 uur.",
            "In 2023 kwamen 1.250 meldingen binnen, 40% meer dan in 2022.",
            "Indicatoren [[IDR-01]] en [[WRK-09]] horen bij barrière [[BAR-12]].",
            "Zij werkt 60 uur per week; het loon is 4,50 euro per uur.",
            "De Arbeidsinspectie en de politie kwamen samen.",
            "Case case-labour-01, context business_inspection.",
        ] {
            assert!(scan(text).is_empty(), "{text:?}: {:?}", kinds(text));
        }
    }

    #[test]
    fn invalid_numbers_pass() {
        // Nine digits failing the eleven-test, an IBAN with a wrong check digit,
        // a side code no plate has.
        for text in [
            "Dossier 123456789.",
            "NL00 ABNA 0417 1643 00",
            "code AB-CD-EF",
        ] {
            assert!(scan(text).is_empty(), "{text:?}: {:?}", kinds(text));
        }
    }
}
