//! Validation and normalisation of identifiers shared across Baken: IBAN, NL KvK,
//! BE KBO/BCE, NL BSN, BE national register number, NL/BE postcodes, NL/BE licence
//! plates, phone numbers (to E.164) and e-mail addresses.
//!
//! Parse, don't validate: every identifier is a newtype with a private field that can
//! only be built by its `parse` constructor, so holding a value proves it passed the
//! checks. Each parse error has a stable `code()` (for example `iban.checksum`) that the
//! web layer translates; no user-facing text lives here. Pure: no I/O, clock or
//! randomness.

use std::fmt;

/// Longest input accepted by any parser, in bytes. Longer input is rejected before any
/// work is done, so a hostile form field cannot make parsing expensive.
pub const INPUT_BYTES_MAX: usize = 320;

/// Keeps ASCII letters and digits of `input` (upper-cased) and drops the separators
/// people type (spaces, dots, dashes, slashes). Any other character makes it fail.
fn compact_alnum(input: &str) -> Option<String> {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if matches!(c, ' ' | '.' | '-' | '/' | '\u{a0}' | '\t') {
            continue;
        } else {
            return None;
        }
    }
    Some(out)
}

fn digits_only(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Remainder of a long decimal string modulo 97, digit by digit (no overflow).
fn mod97_digits(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0u32, |acc, b| (acc * 10 + u32::from(b - b'0')) % 97)
}

macro_rules! error_codes {
    ($ty:ident { $($variant:ident => $code:literal),* $(,)? }) => {
        impl $ty {
            /// Stable, machine-readable code for translation and logging.
            pub fn code(&self) -> &'static str {
                match self { $(Self::$variant => $code),* }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
        impl std::error::Error for $ty {}
    };
}

// ---------------------------------------------------------------------------------
// IBAN
// ---------------------------------------------------------------------------------

/// An International Bank Account Number whose length fits its country and whose
/// ISO 13616 mod-97 check digits are correct. Stored compact and upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iban(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IbanError {
    Empty,
    TooLong,
    InvalidCharacter,
    UnknownCountry,
    Length,
    Checksum,
}
error_codes!(IbanError {
    Empty => "iban.empty",
    TooLong => "iban.too_long",
    InvalidCharacter => "iban.invalid_character",
    UnknownCountry => "iban.unknown_country",
    Length => "iban.length",
    Checksum => "iban.checksum",
});

/// IBAN lengths of the countries Baken's users meet most; others are accepted when
/// they are between 15 and 34 characters.
fn iban_length(country: &str) -> Option<usize> {
    Some(match country {
        "NL" => 18,
        "BE" => 16,
        "DE" => 22,
        "FR" => 27,
        "LU" => 20,
        "GB" => 22,
        "PL" => 28,
        "RO" => 24,
        "BG" => 22,
        "ES" => 24,
        "IT" => 27,
        "PT" => 25,
        "HU" => 28,
        "CZ" => 24,
        "SK" => 24,
        "LT" => 20,
        "LV" => 21,
        "UA" => 29,
        "TR" => 26,
        _ => return None,
    })
}

impl Iban {
    pub fn parse(input: &str) -> Result<Self, IbanError> {
        if input.len() > INPUT_BYTES_MAX {
            return Err(IbanError::TooLong);
        }
        let s = compact_alnum(input).ok_or(IbanError::InvalidCharacter)?;
        if s.is_empty() {
            return Err(IbanError::Empty);
        }
        let b = s.as_bytes();
        if s.len() < 4
            || !b[0].is_ascii_alphabetic()
            || !b[1].is_ascii_alphabetic()
            || !b[2].is_ascii_digit()
            || !b[3].is_ascii_digit()
        {
            return Err(IbanError::UnknownCountry);
        }
        match iban_length(&s[..2]) {
            Some(n) if n != s.len() => return Err(IbanError::Length),
            None if !(15..=34).contains(&s.len()) => return Err(IbanError::Length),
            _ => {}
        }
        // Move the first four characters to the end, letters become 10..35.
        let mut rem = 0u32;
        for c in s[4..].bytes().chain(s[..4].bytes()) {
            if c.is_ascii_digit() {
                rem = (rem * 10 + u32::from(c - b'0')) % 97;
            } else {
                rem = (rem * 100 + u32::from(c - b'A') + 10) % 97;
            }
        }
        if rem != 1 {
            return Err(IbanError::Checksum);
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn country(&self) -> &str {
        &self.0[..2]
    }
}

// ---------------------------------------------------------------------------------
// KvK, KBO
// ---------------------------------------------------------------------------------

/// Dutch Chamber of Commerce (KvK) number: exactly 8 digits (there is no check digit).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KvkNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvkError {
    Empty,
    TooLong,
    InvalidCharacter,
    Length,
}
error_codes!(KvkError {
    Empty => "kvk.empty",
    TooLong => "kvk.too_long",
    InvalidCharacter => "kvk.invalid_character",
    Length => "kvk.length",
});

impl KvkNumber {
    pub fn parse(input: &str) -> Result<Self, KvkError> {
        if input.len() > INPUT_BYTES_MAX {
            return Err(KvkError::TooLong);
        }
        let s = compact_alnum(input).ok_or(KvkError::InvalidCharacter)?;
        let s = s.strip_prefix("KVK").unwrap_or(&s);
        if s.is_empty() {
            return Err(KvkError::Empty);
        }
        if !digits_only(s) {
            return Err(KvkError::InvalidCharacter);
        }
        if s.len() != 8 {
            return Err(KvkError::Length);
        }
        Ok(Self(s.to_owned()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Belgian enterprise number (KBO/BCE): 10 digits starting with 0 or 1, the last two
/// being 97 minus the first eight modulo 97. Old 9-digit numbers get a leading 0.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KboNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KboError {
    Empty,
    TooLong,
    InvalidCharacter,
    Length,
    FirstDigit,
    Checksum,
}
error_codes!(KboError {
    Empty => "kbo.empty",
    TooLong => "kbo.too_long",
    InvalidCharacter => "kbo.invalid_character",
    Length => "kbo.length",
    FirstDigit => "kbo.first_digit",
    Checksum => "kbo.checksum",
});

impl KboNumber {
    pub fn parse(input: &str) -> Result<Self, KboError> {
        if input.len() > INPUT_BYTES_MAX {
            return Err(KboError::TooLong);
        }
        let s = compact_alnum(input).ok_or(KboError::InvalidCharacter)?;
        let s = s.strip_prefix("BE").unwrap_or(&s);
        if s.is_empty() {
            return Err(KboError::Empty);
        }
        if !digits_only(s) {
            return Err(KboError::InvalidCharacter);
        }
        let s = match s.len() {
            9 => format!("0{s}"),
            10 => s.to_owned(),
            _ => return Err(KboError::Length),
        };
        if !matches!(s.as_bytes()[0], b'0' | b'1') {
            return Err(KboError::FirstDigit);
        }
        let check: u32 = s[8..].parse().map_err(|_| KboError::InvalidCharacter)?;
        if 97 - mod97_digits(&s[..8]) != check {
            return Err(KboError::Checksum);
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The usual written form `0123.456.789`.
    pub fn formatted(&self) -> String {
        format!("{}.{}.{}", &self.0[..4], &self.0[4..7], &self.0[7..])
    }
}

// ---------------------------------------------------------------------------------
// BSN, Belgian national register number
// ---------------------------------------------------------------------------------

/// Dutch citizen service number (BSN): 9 digits (8 get a leading 0) passing the
/// eleven-test `9a + 8b + … + 2h − i ≡ 0 (mod 11)`; all zeros is rejected.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bsn(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BsnError {
    Empty,
    TooLong,
    InvalidCharacter,
    Length,
    Checksum,
}
error_codes!(BsnError {
    Empty => "bsn.empty",
    TooLong => "bsn.too_long",
    InvalidCharacter => "bsn.invalid_character",
    Length => "bsn.length",
    Checksum => "bsn.checksum",
});

impl Bsn {
    pub fn parse(input: &str) -> Result<Self, BsnError> {
        if input.len() > INPUT_BYTES_MAX {
            return Err(BsnError::TooLong);
        }
        let s = compact_alnum(input).ok_or(BsnError::InvalidCharacter)?;
        if s.is_empty() {
            return Err(BsnError::Empty);
        }
        if !digits_only(&s) {
            return Err(BsnError::InvalidCharacter);
        }
        let s = match s.len() {
            8 => format!("0{s}"),
            9 => s,
            _ => return Err(BsnError::Length),
        };
        let d: Vec<i64> = s.bytes().map(|b| i64::from(b - b'0')).collect();
        let sum: i64 = (0..8).map(|i| d[i] * (9 - i as i64)).sum::<i64>() - d[8];
        if sum % 11 != 0 || d.iter().all(|&x| x == 0) {
            return Err(BsnError::Checksum);
        }
        Ok(Self(s))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Belgian national register number (rijksregisternummer / numéro de registre
/// national): 11 digits `YYMMDD SSS CC`; `CC = 97 − (YYMMDDSSS mod 97)` for people
/// born in the 1900s, and the same over `2YYMMDDSSS` for those born from 2000.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BeNationalNumber {
    digits: String,
    born_2000s: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeNationalNumberError {
    Empty,
    TooLong,
    InvalidCharacter,
    Length,
    Checksum,
}
error_codes!(BeNationalNumberError {
    Empty => "rrn.empty",
    TooLong => "rrn.too_long",
    InvalidCharacter => "rrn.invalid_character",
    Length => "rrn.length",
    Checksum => "rrn.checksum",
});

impl BeNationalNumber {
    pub fn parse(input: &str) -> Result<Self, BeNationalNumberError> {
        if input.len() > INPUT_BYTES_MAX {
            return Err(BeNationalNumberError::TooLong);
        }
        let s = compact_alnum(input).ok_or(BeNationalNumberError::InvalidCharacter)?;
        if s.is_empty() {
            return Err(BeNationalNumberError::Empty);
        }
        if !digits_only(&s) {
            return Err(BeNationalNumberError::InvalidCharacter);
        }
        if s.len() != 11 {
            return Err(BeNationalNumberError::Length);
        }
        let check: u32 = s[9..]
            .parse()
            .map_err(|_| BeNationalNumberError::InvalidCharacter)?;
        let base = &s[..9];
        let c19 = 97 - mod97_digits(base);
        let c20 = 97 - mod97_digits(&format!("2{base}"));
        let born_2000s = if check == c19 {
            false
        } else if check == c20 {
            true
        } else {
            return Err(BeNationalNumberError::Checksum);
        };
        Ok(Self {
            digits: s,
            born_2000s,
        })
    }
    pub fn as_str(&self) -> &str {
        &self.digits
    }
    /// Whether the check digits say the holder was born in 2000 or later.
    pub fn born_2000s(&self) -> bool {
        self.born_2000s
    }
}

// ---------------------------------------------------------------------------------
// Postcodes
// ---------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Country {
    Nl,
    Be,
}

/// A Dutch (`1234 AB`, stored `1234AB`) or Belgian (`1000`–`9999`) postcode.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Postcode {
    country: Country,
    code: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostcodeError {
    Empty,
    TooLong,
    InvalidCharacter,
    Format,
    ReservedLetters,
}
error_codes!(PostcodeError {
    Empty => "postcode.empty",
    TooLong => "postcode.too_long",
    InvalidCharacter => "postcode.invalid_character",
    Format => "postcode.format",
    ReservedLetters => "postcode.reserved_letters",
});

impl Postcode {
    /// Parses a Dutch postcode (4 digits, the first not 0, and 2 letters, not SA, SD or
    /// SS) or a Belgian one (4 digits, the first not 0). A `NL-`/`B-`/`BE-` prefix is
    /// accepted.
    pub fn parse(input: &str) -> Result<Self, PostcodeError> {
        if input.len() > INPUT_BYTES_MAX {
            return Err(PostcodeError::TooLong);
        }
        let s = compact_alnum(input).ok_or(PostcodeError::InvalidCharacter)?;
        if s.is_empty() {
            return Err(PostcodeError::Empty);
        }
        let (hint, s) = if let Some(r) = s.strip_prefix("NL") {
            (Some(Country::Nl), r)
        } else if let Some(r) = s.strip_prefix("BE") {
            (Some(Country::Be), r)
        } else if let Some(r) = s.strip_prefix('B').filter(|r| digits_only(r)) {
            (Some(Country::Be), r)
        } else {
            (None, s.as_str())
        };
        let b = s.as_bytes();
        if b.len() < 4 || !digits_only(&s[..4]) || b[0] == b'0' {
            return Err(PostcodeError::Format);
        }
        match (b.len(), hint) {
            (6, None | Some(Country::Nl))
                if b[4].is_ascii_alphabetic() && b[5].is_ascii_alphabetic() =>
            {
                if matches!(&s[4..], "SA" | "SD" | "SS") {
                    return Err(PostcodeError::ReservedLetters);
                }
                Ok(Self {
                    country: Country::Nl,
                    code: s.to_owned(),
                })
            }
            (4, None | Some(Country::Be)) => Ok(Self {
                country: Country::Be,
                code: s.to_owned(),
            }),
            _ => Err(PostcodeError::Format),
        }
    }
    pub fn country(&self) -> Country {
        self.country
    }
    /// Compact form: `1234AB` or `1000`.
    pub fn as_str(&self) -> &str {
        &self.code
    }
    /// The four digits (NL "pc4", or the whole BE code).
    pub fn digits(&self) -> &str {
        &self.code[..4]
    }
}

// ---------------------------------------------------------------------------------
// Licence plates
// ---------------------------------------------------------------------------------

/// A Dutch (one of the sidecodes, 6 characters) or Belgian (`1-ABC-123` or `ABC-123`)
/// licence plate, stored without separators and upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LicencePlate {
    country: Country,
    plate: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicencePlateError {
    Empty,
    TooLong,
    InvalidCharacter,
    Format,
}
error_codes!(LicencePlateError {
    Empty => "plate.empty",
    TooLong => "plate.too_long",
    InvalidCharacter => "plate.invalid_character",
    Format => "plate.format",
});

/// Dutch sidecodes 1–14 written as letter (`X`) / digit (`9`) patterns.
const NL_SIDECODES: [&str; 14] = [
    "XX9999", "9999XX", "99XX99", "XX99XX", "XXXX99", "99XXXX", "99XXX9", "9XXX99", "XX999X",
    "X999XX", "XXX99X", "X99XXX", "9XX999", "999XX9",
];

fn shape(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_digit() { '9' } else { 'X' })
        .collect()
}

impl LicencePlate {
    pub fn parse(input: &str) -> Result<Self, LicencePlateError> {
        if input.len() > INPUT_BYTES_MAX {
            return Err(LicencePlateError::TooLong);
        }
        let s = compact_alnum(input).ok_or(LicencePlateError::InvalidCharacter)?;
        if s.is_empty() {
            return Err(LicencePlateError::Empty);
        }
        let sh = shape(&s);
        let country = if sh == "9XXX999" || sh == "XXX999" {
            Country::Be
        } else if NL_SIDECODES.contains(&sh.as_str()) {
            Country::Nl
        } else {
            return Err(LicencePlateError::Format);
        };
        Ok(Self { country, plate: s })
    }
    pub fn country(&self) -> Country {
        self.country
    }
    pub fn as_str(&self) -> &str {
        &self.plate
    }
}

// ---------------------------------------------------------------------------------
// Phone numbers
// ---------------------------------------------------------------------------------

/// A phone number in E.164 form (`+31612345678`). National numbers (leading `0`) are
/// read in the default country passed to [`PhoneNumber::parse`]; `00` and `+` start an
/// international number. Dutch numbers must have 9 national digits, Belgian 8 or 9.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneNumberError {
    Empty,
    TooLong,
    InvalidCharacter,
    Length,
    NoCountry,
}
error_codes!(PhoneNumberError {
    Empty => "phone.empty",
    TooLong => "phone.too_long",
    InvalidCharacter => "phone.invalid_character",
    Length => "phone.length",
    NoCountry => "phone.no_country",
});

impl PhoneNumber {
    pub fn parse(input: &str, default_country: Country) -> Result<Self, PhoneNumberError> {
        if input.len() > INPUT_BYTES_MAX {
            return Err(PhoneNumberError::TooLong);
        }
        let mut digits = String::with_capacity(16);
        let mut plus = false;
        for (i, c) in input.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => plus = true,
                ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
                _ => return Err(PhoneNumberError::InvalidCharacter),
            }
        }
        if digits.is_empty() {
            return Err(PhoneNumberError::Empty);
        }
        // "+31 (0)6 …": a trunk 0 written in brackets after the country code.
        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if let Some(rest) = digits.strip_prefix('0') {
            let cc = match default_country {
                Country::Nl => "31",
                Country::Be => "32",
            };
            format!("{cc}{rest}")
        } else {
            return Err(PhoneNumberError::NoCountry);
        };
        let international = match international.get(..3) {
            Some("310") | Some("320") => format!("{}{}", &international[..2], &international[3..]),
            _ => international,
        };
        let national_len = international.len().saturating_sub(2);
        let ok = match international.get(..2) {
            Some("31") => national_len == 9,
            Some("32") => national_len == 8 || national_len == 9,
            _ => (8..=15).contains(&international.len()),
        };
        if !ok || international.starts_with('0') {
            return Err(PhoneNumberError::Length);
        }
        Ok(Self(format!("+{international}")))
    }
    /// E.164 with the leading `+`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

// ---------------------------------------------------------------------------------
// E-mail
// ---------------------------------------------------------------------------------

/// An e-mail address with one `@`, a local part of 1–64 characters and a domain of
/// dot-separated labels (letters, digits, hyphens). The domain is lower-cased; the
/// local part is kept as written except that it is trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EmailAddress(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailAddressError {
    Empty,
    TooLong,
    MissingAt,
    LocalPart,
    Domain,
}
error_codes!(EmailAddressError {
    Empty => "email.empty",
    TooLong => "email.too_long",
    MissingAt => "email.missing_at",
    LocalPart => "email.local_part",
    Domain => "email.domain",
});

impl EmailAddress {
    pub fn parse(input: &str) -> Result<Self, EmailAddressError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(EmailAddressError::Empty);
        }
        if s.len() > 254 {
            return Err(EmailAddressError::TooLong);
        }
        let (local, domain) = s.rsplit_once('@').ok_or(EmailAddressError::MissingAt)?;
        if local.is_empty()
            || local.len() > 64
            || local.contains('@')
            || local.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(EmailAddressError::LocalPart);
        }
        let domain = domain.to_ascii_lowercase();
        let labels: Vec<&str> = domain.split('.').collect();
        let labels_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !labels_ok {
            return Err(EmailAddressError::Domain);
        }
        Ok(Self(format!("{local}@{domain}")))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! display_as_str {
    ($($ty:ty),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}
display_as_str!(
    Iban,
    KvkNumber,
    KboNumber,
    Bsn,
    BeNationalNumber,
    Postcode,
    LicencePlate,
    PhoneNumber,
    EmailAddress
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn iban_valid_and_formatted() {
        let i = Iban::parse("nl91 abna 0417 1643 00").unwrap();
        assert_eq!(i.as_str(), "NL91ABNA0417164300");
        assert_eq!(i.country(), "NL");
        assert!(Iban::parse("BE68 5390 0754 7034").is_ok());
        assert!(Iban::parse("DE89 3704 0044 0532 0130 00").is_ok());
    }

    #[test]
    fn iban_errors_have_codes() {
        assert_eq!(
            Iban::parse("NL92ABNA0417164300").unwrap_err().code(),
            "iban.checksum"
        );
        assert_eq!(
            Iban::parse("NL91ABNA041716430").unwrap_err().code(),
            "iban.length"
        );
        assert_eq!(Iban::parse("").unwrap_err().code(), "iban.empty");
        assert_eq!(
            Iban::parse("NL91*ABNA").unwrap_err().code(),
            "iban.invalid_character"
        );
        assert_eq!(
            Iban::parse("1234567890123456").unwrap_err(),
            IbanError::UnknownCountry
        );
    }

    #[test]
    fn kvk_and_kbo() {
        assert_eq!(KvkNumber::parse("6924 1234").unwrap().as_str(), "69241234");
        assert_eq!(
            KvkNumber::parse("1234567").unwrap_err().code(),
            "kvk.length"
        );
        let k = KboNumber::parse("BE 0403.170.701").unwrap();
        assert_eq!(k.as_str(), "0403170701");
        assert_eq!(k.formatted(), "0403.170.701");
        assert!(KboNumber::parse("403170701").is_ok());
        assert_eq!(
            KboNumber::parse("0403170702").unwrap_err().code(),
            "kbo.checksum"
        );
        assert_eq!(
            KboNumber::parse("2403170701").unwrap_err(),
            KboError::FirstDigit
        );
    }

    #[test]
    fn bsn_eleven_test() {
        assert_eq!(Bsn::parse("111222333").unwrap().as_str(), "111222333");
        assert_eq!(Bsn::parse("1112.22.333").unwrap().as_str(), "111222333");
        assert_eq!(Bsn::parse("111222334").unwrap_err().code(), "bsn.checksum");
        assert_eq!(Bsn::parse("000000000").unwrap_err(), BsnError::Checksum);
        assert_eq!(Bsn::parse("12345").unwrap_err(), BsnError::Length);
    }

    #[test]
    fn be_national_number() {
        // 1985-07-31, serial 123: 97 - (850731123 mod 97).
        let base = 850731123u64;
        let check = 97 - base % 97;
        let n = BeNationalNumber::parse(&format!("85.07.31-123.{check:02}")).unwrap();
        assert!(!n.born_2000s());
        let base = 10203004u64; // 01.02.03-004 born 2001
        let check = 97 - (2_000_000_000 + base) % 97;
        let n = BeNationalNumber::parse(&format!("010203004{check:02}")).unwrap();
        assert!(n.born_2000s());
        let bad = if check == 1 { 2 } else { check - 1 };
        assert_eq!(
            BeNationalNumber::parse(&format!("010203004{bad:02}"))
                .unwrap_err()
                .code(),
            "rrn.checksum"
        );
    }

    #[test]
    fn postcodes() {
        let p = Postcode::parse("1234 ab").unwrap();
        assert_eq!(
            (p.as_str(), p.country(), p.digits()),
            ("1234AB", Country::Nl, "1234")
        );
        let p = Postcode::parse("B-1000").unwrap();
        assert_eq!((p.as_str(), p.country()), ("1000", Country::Be));
        assert_eq!(
            Postcode::parse("1234 SS").unwrap_err(),
            PostcodeError::ReservedLetters
        );
        assert_eq!(
            Postcode::parse("0123AB").unwrap_err().code(),
            "postcode.format"
        );
        assert_eq!(
            Postcode::parse("NL-1000").unwrap_err(),
            PostcodeError::Format
        );
    }

    #[test]
    fn plates() {
        let p = LicencePlate::parse("12-abc-3").unwrap();
        assert_eq!((p.as_str(), p.country()), ("12ABC3", Country::Nl));
        assert_eq!(
            LicencePlate::parse("1-ABC-123").unwrap().country(),
            Country::Be
        );
        assert_eq!(
            LicencePlate::parse("1234567").unwrap_err().code(),
            "plate.format"
        );
    }

    #[test]
    fn phones_to_e164() {
        let nl = Country::Nl;
        assert_eq!(
            PhoneNumber::parse("06-12345678", nl).unwrap().as_str(),
            "+31612345678"
        );
        assert_eq!(
            PhoneNumber::parse("+31 (0)6 1234 5678", nl)
                .unwrap()
                .as_str(),
            "+31612345678"
        );
        assert_eq!(
            PhoneNumber::parse("0031 6 12345678", nl).unwrap().as_str(),
            "+31612345678"
        );
        assert_eq!(
            PhoneNumber::parse("0470 12 34 56", Country::Be)
                .unwrap()
                .as_str(),
            "+32470123456"
        );
        assert_eq!(
            PhoneNumber::parse("0612345", nl).unwrap_err().code(),
            "phone.length"
        );
        assert_eq!(
            PhoneNumber::parse("612345678", nl).unwrap_err(),
            PhoneNumberError::NoCountry
        );
    }

    #[test]
    fn emails() {
        assert_eq!(
            EmailAddress::parse(" Jan.Jansen@Example.NL ")
                .unwrap()
                .as_str(),
            "Jan.Jansen@example.nl"
        );
        assert_eq!(
            EmailAddress::parse("jan").unwrap_err().code(),
            "email.missing_at"
        );
        assert_eq!(
            EmailAddress::parse("jan@nl").unwrap_err(),
            EmailAddressError::Domain
        );
        assert_eq!(
            EmailAddress::parse("@x.nl").unwrap_err(),
            EmailAddressError::LocalPart
        );
    }

    fn bsn_from(eight: u32) -> Option<String> {
        let s = format!("{eight:08}");
        let d: Vec<i64> = s.bytes().map(|b| i64::from(b - b'0')).collect();
        let sum: i64 = (0..8).map(|i| d[i] * (9 - i as i64)).sum();
        let last = sum % 11;
        (last < 10).then(|| format!("{s}{last}"))
    }

    proptest! {
        #[test]
        fn prop_parsers_never_panic(s in "\\PC{0,40}") {
            let _ = Iban::parse(&s);
            let _ = KvkNumber::parse(&s);
            let _ = KboNumber::parse(&s);
            let _ = Bsn::parse(&s);
            let _ = BeNationalNumber::parse(&s);
            let _ = Postcode::parse(&s);
            let _ = LicencePlate::parse(&s);
            let _ = PhoneNumber::parse(&s, Country::Nl);
            let _ = EmailAddress::parse(&s);
        }

        #[test]
        fn prop_normal_form_is_a_fixpoint(s in "[0-9A-Za-z .-]{0,24}") {
            if let Ok(v) = Iban::parse(&s) { prop_assert_eq!(Iban::parse(v.as_str()).unwrap(), v); }
            if let Ok(v) = Bsn::parse(&s) { prop_assert_eq!(Bsn::parse(v.as_str()).unwrap(), v); }
            if let Ok(v) = KboNumber::parse(&s) { prop_assert_eq!(KboNumber::parse(v.as_str()).unwrap(), v); }
            if let Ok(v) = Postcode::parse(&s) { prop_assert_eq!(Postcode::parse(v.as_str()).unwrap(), v); }
            if let Ok(v) = LicencePlate::parse(&s) { prop_assert_eq!(LicencePlate::parse(v.as_str()).unwrap(), v); }
            if let Ok(v) = PhoneNumber::parse(&s, Country::Nl) {
                prop_assert_eq!(PhoneNumber::parse(v.as_str(), Country::Be).unwrap(), v);
            }
        }

        #[test]
        fn prop_bsn_single_digit_change_fails(eight in 0u32..99_999_999, pos in 0usize..9, delta in 1u8..10) {
            if let Some(valid) = bsn_from(eight) {
                if valid != "000000000" {
                    prop_assert!(Bsn::parse(&valid).is_ok());
                    let mut b = valid.into_bytes();
                    b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
                    let changed = String::from_utf8(b).unwrap();
                    prop_assert_eq!(Bsn::parse(&changed).unwrap_err(), BsnError::Checksum);
                }
            }
        }

        #[test]
        fn prop_iban_single_digit_change_fails(pos in 4usize..18, delta in 1u8..10) {
            let mut b = b"NL91ABNA0417164300".to_vec();
            if b[pos].is_ascii_digit() {
                b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
                let s = String::from_utf8(b).unwrap();
                prop_assert_eq!(Iban::parse(&s).unwrap_err(), IbanError::Checksum);
            }
        }
    }
}
