//! A generator of realistic Dutch and Belgian person records with ground truth, for
//! scale benchmarks: people in households (shared address, often shared surname,
//! sometimes twins), and duplicates carrying the errors registers really contain —
//! typos, initials, swapped names, particles written differently or dropped, date
//! typos and swapped day/month, moves, postcode typos and formats, street
//! abbreviations, changed or reformatted phone numbers, missing values. Deterministic
//! for a given seed. Writes CSV with the columns of the shared synthetic sets.

use std::io::{self, Write};

use rand::seq::SliceRandom;
use rand::Rng;

const GIVEN: &[&str] = &[
    "Jan",
    "Pieter",
    "Kees",
    "Johannes",
    "Willem",
    "Hendrik",
    "Cornelis",
    "Gerrit",
    "Dirk",
    "Thomas",
    "Lucas",
    "Daan",
    "Sem",
    "Noah",
    "Liam",
    "Finn",
    "Milan",
    "Levi",
    "Bram",
    "Luuk",
    "Maria",
    "Anna",
    "Johanna",
    "Cornelia",
    "Elisabeth",
    "Emma",
    "Julia",
    "Sophie",
    "Tess",
    "Lotte",
    "Anouk",
    "Fleur",
    "Sanne",
    "Lisa",
    "Eva",
    "Mila",
    "Nora",
    "Zoë",
    "Noor",
    "Saar",
    "Mohamed",
    "Ahmed",
    "Fatima",
    "Aisha",
    "Youssef",
    "Mehmet",
    "Ayşe",
    "Piotr",
    "Agnieszka",
    "Krzysztof",
    "Katarzyna",
    "Andrei",
    "Ioana",
    "Oleksandr",
    "Olena",
    "Jean",
    "Marie",
    "Luc",
    "Élise",
    "François",
    "Wouter",
    "Jeroen",
    "Stijn",
    "Koen",
    "Pieter-Jan",
    "Anne-Marie",
];

const SURNAME: &[&str] = &[
    "de Jong",
    "Jansen",
    "de Vries",
    "van den Berg",
    "van Dijk",
    "Bakker",
    "Janssen",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "de Graaf",
    "van der Meer",
    "van der Linden",
    "Kok",
    "Jacobs",
    "de Haan",
    "Vermeulen",
    "van den Heuvel",
    "van der Veen",
    "van den Broek",
    "de Bruijn",
    "de Bruin",
    "van der Heijden",
    "Schouten",
    "van Beek",
    "Willems",
    "van Vliet",
    "Peeters",
    "Maes",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "Dubois",
    "Lambert",
    "Mertens",
    "Dupont",
    "Yilmaz",
    "Kaya",
    "El Amrani",
    "Bennani",
    "Kowalski",
    "Nowak",
    "Popescu",
    "Shevchenko",
    "D'Hondt",
    "ter Horst",
    "ten Brink",
    "van 't Hof",
    "Çelik",
    "Müller",
];

const STREET: &[&str] = &[
    "Kerkstraat",
    "Schoolstraat",
    "Molenweg",
    "Dorpsstraat",
    "Stationsweg",
    "Julianastraat",
    "Beatrixlaan",
    "Wilhelminastraat",
    "Nieuwstraat",
    "Hoofdstraat",
    "Kastanjelaan",
    "Eikenlaan",
    "Lindenlaan",
    "Parkweg",
    "Marktplein",
    "Van der Helststraat",
    "Sint Jansstraat",
    "Heuvelweg",
    "Grote Markt",
    "Steenweg",
    "Brugstraat",
    "Kapelstraat",
    "Veldstraat",
    "Rue de la Gare",
    "Avenue Louise",
    "Zuidsingel",
    "Oudegracht",
    "Havenkade",
    "Dijkweg",
    "Industrieweg",
];

const CITY: &[&str] = &[
    "Amsterdam",
    "Rotterdam",
    "'s-Gravenhage",
    "Utrecht",
    "Eindhoven",
    "Groningen",
    "Tilburg",
    "Almere",
    "Breda",
    "Nijmegen",
    "Enschede",
    "Haarlem",
    "Arnhem",
    "Zaandam",
    "Venlo",
    "Antwerpen",
    "Gent",
    "Brugge",
    "Leuven",
    "Mechelen",
    "Hasselt",
    "Brussel",
    "Luik",
];

/// Syllables for made-up but Dutch/Flemish-sounding surnames, given names and streets,
/// so a large file has realistic numbers of distinct values (not 60 surnames).
const ONSET: &[&str] = &[
    "b", "br", "d", "dr", "g", "gr", "h", "j", "k", "kl", "kr", "l", "m", "n", "p", "r", "s",
    "sch", "sl", "sm", "st", "t", "v", "vl", "w", "z", "ch", "ph", "th", "ij", "",
];
const VOWEL: &[&str] = &[
    "a", "e", "i", "o", "u", "aa", "ee", "oo", "ie", "oe", "ui", "ei", "ij", "au",
];
const CODA: &[&str] = &[
    "", "n", "r", "s", "k", "l", "m", "t", "nd", "rt", "ld", "ns", "ks", "ck", "rk", "lt", "ng",
];
const SURNAME_END: &[&str] = &[
    "", "", "", "s", "sen", "ssen", "se", "ing", "inga", "stra", "ma", "man", "mans", "ink", "er",
    "ers", "aert", "ier", "eel", "hof", "berg", "veld", "dijk", "kamp", "horst", "huis", "broek",
];
const PARTICLE: &[&str] = &[
    "van", "de", "van der", "van den", "van de", "ter", "ten", "den", "d'", "le",
];
const STREET_END: &[&str] = &[
    "straat",
    "laan",
    "weg",
    "plein",
    "gracht",
    "kade",
    "singel",
    "dijk",
    "pad",
    "hof",
    "steeg",
    "dreef",
    "ring",
    "boulevard",
];

fn syllables<R: Rng>(rng: &mut R, n: usize) -> String {
    let mut s = String::new();
    for _ in 0..n {
        s.push_str(pick(rng, ONSET));
        s.push_str(pick(rng, VOWEL));
        s.push_str(pick(rng, CODA));
    }
    s
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn made_up_surname<R: Rng>(rng: &mut R) -> String {
    if rng.gen_bool(0.35) {
        return pick(rng, SURNAME).to_owned();
    }
    let n = rng.gen_range(1..3);
    let core = capitalise(&format!("{}{}", syllables(rng, n), pick(rng, SURNAME_END)));
    if rng.gen_bool(0.25) {
        format!("{} {core}", pick(rng, PARTICLE))
    } else {
        core
    }
}

fn made_up_given<R: Rng>(rng: &mut R) -> String {
    if rng.gen_bool(0.7) {
        return pick(rng, GIVEN).to_owned();
    }
    let n = rng.gen_range(1..3);
    let end = pick(rng, &["", "a", "o", "e", "je", "ke", "ien", "ine", "us"]);
    capitalise(&format!("{}{end}", syllables(rng, n)))
}

fn made_up_street<R: Rng>(rng: &mut R) -> String {
    if rng.gen_bool(0.3) {
        return pick(rng, STREET).to_owned();
    }
    let base = if rng.gen_bool(0.5) {
        made_up_given(rng)
    } else {
        capitalise(&syllables(rng, 2))
    };
    format!("{base}{}", pick(rng, STREET_END))
}

fn made_up_city<R: Rng>(rng: &mut R) -> String {
    if rng.gen_bool(0.4) {
        return pick(rng, CITY).to_owned();
    }
    let end = pick(
        rng,
        &[
            "", "dam", "dorp", "wijk", "hem", "um", "ingen", "gem", "zele", "kerke", "hout", "veen",
        ],
    );
    let n = rng.gen_range(1..3);
    capitalise(&format!("{}{end}", syllables(rng, n)))
}

const HEADER: &str =
    "unique_id,cluster,given_name,surname,dob,street,house_number,postcode,city,phone,bsn";

#[derive(Debug, Clone)]
struct Address {
    street: String,
    house: u32,
    addition: Option<char>,
    postcode: String,
    city: String,
    belgian: bool,
}

#[derive(Debug, Clone)]
struct Person {
    given: String,
    surname: String,
    dob: (u32, u32, u32),
    phone: String,
    bsn: String,
}

fn pick<'a, R: Rng>(rng: &mut R, v: &[&'a str]) -> &'a str {
    v.choose(rng).copied().unwrap_or("")
}

fn bsn<R: Rng>(rng: &mut R) -> String {
    loop {
        let d: Vec<u32> = (0..8)
            .map(|i| {
                if i == 0 {
                    rng.gen_range(1..10)
                } else {
                    rng.gen_range(0..10)
                }
            })
            .collect();
        let sum: u32 = d.iter().enumerate().map(|(i, x)| x * (9 - i as u32)).sum();
        let last = sum % 11;
        if last < 10 {
            return d
                .iter()
                .chain(std::iter::once(&last))
                .map(|x| char::from(b'0' + *x as u8))
                .collect();
        }
    }
}

fn address<R: Rng>(rng: &mut R) -> Address {
    let belgian = rng.gen_bool(0.25);
    let postcode = if belgian {
        format!("{}", rng.gen_range(1000..10000))
    } else {
        let l1 = char::from(b'A' + rng.gen_range(0..26u8));
        let l2 = char::from(b'A' + rng.gen_range(0..26u8));
        let letters: String = if matches!((l1, l2), ('S', 'A' | 'D' | 'S')) {
            "AB".into()
        } else {
            format!("{l1}{l2}")
        };
        format!("{}{}", rng.gen_range(1000..10000), letters)
    };
    Address {
        street: made_up_street(rng),
        house: rng.gen_range(1..250),
        addition: rng
            .gen_bool(0.1)
            .then(|| char::from(b'a' + rng.gen_range(0..4u8))),
        postcode,
        city: made_up_city(rng),
        belgian,
    }
}

fn person<R: Rng>(rng: &mut R, surname: Option<&str>, belgian: bool) -> Person {
    let phone = if belgian {
        format!(
            "04{}{:07}",
            rng.gen_range(70..100),
            rng.gen_range(0..10_000_000)
        )
    } else {
        format!("06{:08}", rng.gen_range(0..100_000_000))
    };
    Person {
        given: made_up_given(rng),
        surname: surname.map_or_else(|| made_up_surname(rng), str::to_owned),
        dob: (
            rng.gen_range(1940..2008),
            rng.gen_range(1..13),
            rng.gen_range(1..29),
        ),
        phone,
        bsn: bsn(rng),
    }
}

fn typo<R: Rng>(rng: &mut R, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 3 {
        return s.to_owned();
    }
    let i = rng.gen_range(1..c.len() - 1);
    match rng.gen_range(0..4) {
        0 => {
            c.remove(i);
        }
        1 => c.swap(i, i + 1),
        2 => c[i] = char::from(b'a' + rng.gen_range(0..26u8)),
        _ => c.insert(i, c[i]),
    }
    c.into_iter().collect()
}

/// Particle re-formatting: `van der Berg` → `Berg, van der` / `vd Berg` / `Berg`.
fn particles<R: Rng>(rng: &mut R, s: &str) -> String {
    let words: Vec<&str> = s.split(' ').collect();
    if words.len() < 2 {
        return s.to_owned();
    }
    let (parts, core) = words.split_at(words.len() - 1);
    match rng.gen_range(0..3) {
        0 => format!("{}, {}", core[0], parts.join(" ")),
        1 => {
            let abbr: String = parts
                .iter()
                .map(|p| p.chars().next().unwrap_or('v').to_string())
                .collect::<Vec<_>>()
                .join(".");
            format!("{abbr}. {}", core[0])
        }
        _ => core[0].to_owned(),
    }
}

fn duplicate<R: Rng>(rng: &mut R, p: &Person, a: &Address) -> (Person, Address) {
    let mut p = p.clone();
    let mut a = a.clone();
    if rng.gen_bool(0.3) {
        p.given = typo(rng, &p.given);
    }
    if rng.gen_bool(0.1) {
        p.given = format!("{}.", p.given.chars().next().unwrap_or('X'));
    }
    if rng.gen_bool(0.25) {
        p.surname = typo(rng, &p.surname);
    }
    if rng.gen_bool(0.25) {
        p.surname = particles(rng, &p.surname);
    }
    if rng.gen_bool(0.04) {
        std::mem::swap(&mut p.given, &mut p.surname);
    }
    if rng.gen_bool(0.05) && p.dob.2 <= 12 {
        p.dob = (p.dob.0, p.dob.2, p.dob.1);
    } else if rng.gen_bool(0.05) {
        p.dob.2 = (p.dob.2 % 28) + 1;
    }
    if rng.gen_bool(0.1) {
        a = address(rng);
    }
    if rng.gen_bool(0.05) {
        a.postcode = typo(rng, &a.postcode);
    }
    if rng.gen_bool(0.2) && !a.belgian && a.postcode.len() == 6 {
        a.postcode = format!("{} {}", &a.postcode[..4], a.postcode[4..].to_lowercase());
    }
    if rng.gen_bool(0.2) {
        a.street = a.street.replace("straat", "str.").replace("laan", "ln");
    }
    if rng.gen_bool(0.15) {
        p.phone = format!("+31 {}", &p.phone[1..]);
    } else if rng.gen_bool(0.1) {
        p.phone = format!("06{:08}", rng.gen_range(0..100_000_000));
    }
    if rng.gen_bool(0.3) {
        p.bsn = String::new();
    } else if rng.gen_bool(0.03) {
        p.bsn = typo(rng, &p.bsn);
    }
    if rng.gen_bool(0.05) {
        p.phone = String::new();
    }
    (p, a)
}

fn csv(s: &str) -> String {
    if s.contains([',', '"']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn write_row<W: Write>(
    w: &mut W,
    id: usize,
    cluster: usize,
    p: &Person,
    a: &Address,
) -> io::Result<()> {
    let house = match a.addition {
        Some(c) => format!("{}{c}", a.house),
        None => a.house.to_string(),
    };
    writeln!(
        w,
        "{id},{cluster},{},{},{:04}-{:02}-{:02},{},{},{},{},{},{}",
        csv(&p.given),
        csv(&p.surname),
        p.dob.0,
        p.dob.1,
        p.dob.2,
        csv(&a.street),
        house,
        csv(&a.postcode),
        csv(&a.city),
        csv(&p.phone),
        p.bsn
    )
}

/// Writes `records` rows (plus header) and returns the number of true duplicate
/// pairs. About 2.1 records per person, about 1.9 people per address.
pub fn generate<R: Rng, W: Write>(records: usize, rng: &mut R, w: &mut W) -> io::Result<u64> {
    writeln!(w, "{HEADER}")?;
    let mut written = 0usize;
    let mut cluster = 0usize;
    let mut true_pairs = 0u64;
    while written < records {
        let a = address(rng);
        let household = if rng.gen_bool(0.45) {
            1
        } else {
            rng.gen_range(2..4)
        };
        let family = made_up_surname(rng);
        for _ in 0..household {
            if written >= records {
                break;
            }
            let shared = rng.gen_bool(0.7).then_some(family.as_str());
            let p = person(rng, shared, a.belgian);
            let copies = match rng.gen_range(0..10) {
                0..=2 => 1,
                3..=7 => 2,
                8 => 3,
                _ => 4,
            };
            let copies = copies.min(records - written);
            true_pairs += (copies * (copies - 1) / 2) as u64;
            write_row(w, written, cluster, &p, &a)?;
            written += 1;
            for _ in 1..copies {
                let (dp, da) = duplicate(rng, &p, &a);
                write_row(w, written, cluster, &dp, &da)?;
                written += 1;
            }
            cluster += 1;
        }
    }
    Ok(true_pairs)
}
