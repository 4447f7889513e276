//! Text folding shared by every normaliser: lower case, diacritics removed,
//! common non-Latin letters transliterated, punctuation turned into spaces; plus a
//! Dutch-aware phonetic key used for blocking.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Longest field value, in bytes, that normalisation looks at. Longer values are cut
/// (on a character boundary) so one hostile cell cannot make comparisons expensive.
pub const FIELD_BYTES_MAX: usize = 256;

fn transliterate(c: char, out: &mut String) -> bool {
    let s = match c {
        'ß' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        'ø' | 'Ø' => "o",
        'ł' | 'Ł' => "l",
        'đ' | 'Đ' => "d",
        'ð' | 'Ð' => "d",
        'þ' | 'Þ' => "th",
        'ı' => "i",
        'ĳ' | 'Ĳ' => "ij",
        // Cyrillic (Russian, Ukrainian, Bulgarian): a simple scientific-style mapping.
        'а' | 'А' => "a",
        'б' | 'Б' => "b",
        'в' | 'В' => "v",
        'г' | 'Г' => "g",
        'ґ' | 'Ґ' => "g",
        'д' | 'Д' => "d",
        'е' | 'Е' | 'э' | 'Э' | 'є' | 'Є' => "e",
        'ё' | 'Ё' => "e",
        'ж' | 'Ж' => "zh",
        'з' | 'З' => "z",
        'и' | 'И' | 'і' | 'І' | 'ї' | 'Ї' | 'ы' | 'Ы' => "i",
        'й' | 'Й' => "y",
        'к' | 'К' => "k",
        'л' | 'Л' => "l",
        'м' | 'М' => "m",
        'н' | 'Н' => "n",
        'о' | 'О' => "o",
        'п' | 'П' => "p",
        'р' | 'Р' => "r",
        'с' | 'С' => "s",
        'т' | 'Т' => "t",
        'у' | 'У' => "u",
        'ф' | 'Ф' => "f",
        'х' | 'Х' => "kh",
        'ц' | 'Ц' => "ts",
        'ч' | 'Ч' => "ch",
        'ш' | 'Ш' => "sh",
        'щ' | 'Щ' => "shch",
        'ь' | 'Ь' | 'ъ' | 'Ъ' => "",
        'ю' | 'Ю' => "yu",
        'я' | 'Я' => "ya",
        // Greek basics.
        'α' | 'Α' => "a",
        'β' | 'Β' => "v",
        'γ' | 'Γ' => "g",
        'δ' | 'Δ' => "d",
        'ε' | 'Ε' => "e",
        'ζ' | 'Ζ' => "z",
        'η' | 'Η' | 'ι' | 'Ι' => "i",
        'θ' | 'Θ' => "th",
        'κ' | 'Κ' => "k",
        'λ' | 'Λ' => "l",
        'μ' | 'Μ' => "m",
        'ν' | 'Ν' => "n",
        'ξ' | 'Ξ' => "x",
        'ο' | 'Ο' | 'ω' | 'Ω' => "o",
        'π' | 'Π' => "p",
        'ρ' | 'Ρ' => "r",
        'σ' | 'ς' | 'Σ' => "s",
        'τ' | 'Τ' => "t",
        'υ' | 'Υ' => "y",
        'φ' | 'Φ' => "f",
        'χ' | 'Χ' => "ch",
        'ψ' | 'Ψ' => "ps",
        _ => return false,
    };
    out.push_str(s);
    true
}

/// Cuts `s` to at most [`FIELD_BYTES_MAX`] bytes on a character boundary.
pub fn clip(s: &str) -> &str {
    if s.len() <= FIELD_BYTES_MAX {
        return s;
    }
    let mut end = FIELD_BYTES_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Lower-case ASCII letters and digits; apostrophes kept (they matter for particles
/// such as `d'` and `'t`); every other character becomes a space; runs of spaces are
/// collapsed and the result is trimmed.
pub fn fold(input: &str) -> String {
    let input = clip(input);
    let mut raw = String::with_capacity(input.len());
    if input.is_ascii() {
        raw.push_str(input);
    } else {
        for c in input.chars() {
            if c.is_ascii() {
                raw.push(c);
            } else if !transliterate(c, &mut raw) {
                for d in std::iter::once(c).nfd() {
                    if is_combining_mark(d) {
                        continue;
                    }
                    if d.is_ascii() {
                        raw.push(d);
                    } else if !transliterate(d, &mut raw) {
                        // Letters we cannot map still separate words.
                        raw.push(if d == '\u{2019}' || d == '`' || d == '\u{b4}' {
                            '\''
                        } else {
                            ' '
                        });
                    }
                }
            }
        }
    }
    let mut out = String::with_capacity(raw.len());
    let mut space = true;
    for b in raw.bytes() {
        let c = b.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == b'\'' {
            out.push(char::from(c));
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// Dutch-aware phonetic key of one folded word or words (spaces ignored): sounds that
/// Dutch and Belgian spellings write differently (`ij`/`ei`/`y`, `ch`/`g`, `dt`/`t`,
/// `z`/`s`, `c`/`k`, `ph`/`f`, doubled letters, silent `h`) collapse to one letter.
pub fn phonetic(word: &str) -> String {
    let w: Vec<u8> = word
        .bytes()
        .filter(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        .collect();
    let mut out: Vec<u8> = Vec::with_capacity(w.len());
    let mut i = 0;
    let at = |i: usize, s: &[u8]| w.get(i..i + s.len()) == Some(s);
    while i < w.len() {
        let (emit, step): (&[u8], usize) = if at(i, b"sch") {
            (b"s", 3)
        } else if at(i, b"ch") || at(i, b"gh") {
            (b"g", 2)
        } else if at(i, b"ph") {
            (b"f", 2)
        } else if at(i, b"ck") || at(i, b"kk") {
            (b"k", 2)
        } else if at(i, b"qu") {
            (b"kw", 2)
        } else if at(i, b"eij") {
            (b"y", 3)
        } else if at(i, b"ij") || at(i, b"ei") || at(i, b"ey") {
            (b"y", 2)
        } else if at(i, b"th") || at(i, b"dt") {
            (b"t", 2)
        } else if at(i, b"ae") {
            (b"a", 2)
        } else if at(i, b"oe") || at(i, b"ou") || at(i, b"au") {
            (b"u", 2)
        } else if at(i, b"ks") || at(i, b"x") {
            (b"ks", if at(i, b"x") { 1 } else { 2 })
        } else {
            let c = w[i];
            let mapped: &[u8] = match c {
                b'z' => b"s",
                b'c' => {
                    if matches!(w.get(i + 1), Some(b'e' | b'i' | b'y')) {
                        b"s"
                    } else {
                        b"k"
                    }
                }
                b'v' => b"f",
                b'w' => b"v",
                b'y' => b"y",
                b'd' if i + 1 == w.len() => b"t",
                b'h' if i > 0 => b"",
                _ => std::slice::from_ref(&w[i]),
            };
            (mapped, 1)
        };
        for &b in emit {
            if out.last() != Some(&b) {
                out.push(b);
            }
        }
        i += step;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// 64-bit FNV-1a, for blocking keys built from strings. Deterministic across runs and
/// platforms (unlike `std`'s randomly seeded hasher).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Mixes several 64-bit values into one key (splitmix64 finaliser per step).
pub fn mix(parts: &[u64]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    for &p in parts {
        h ^= p;
        h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^= h >> 31;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_diacritics_and_scripts() {
        assert_eq!(fold("  Éléonore  D'Hondt-Çelik "), "eleonore d'hondt celik");
        assert_eq!(fold("Straße"), "strasse");
        assert_eq!(fold("Łukasz Wójcik"), "lukasz wojcik");
        assert_eq!(fold("Олександр"), "oleksandr");
        assert_eq!(fold("İbrahim Öztürk"), "ibrahim ozturk");
    }

    #[test]
    fn phonetic_collapses_spelling_variants() {
        assert_eq!(phonetic("bergh"), phonetic("berg"));
        assert_eq!(phonetic("janssen"), phonetic("jansen"));
        assert_eq!(phonetic("janzen"), phonetic("jansen"));
        assert_eq!(phonetic("meijer"), phonetic("meyer"));
        assert_eq!(phonetic("smit"), phonetic("smidt"));
        assert_ne!(phonetic("smit"), phonetic("bakker"));
    }
}
