//! The fields Baken links on, and a raw (unnormalised) record of them.

use std::fmt;

/// A field a mapping can point a column at. Each has one normaliser and takes part in
/// one comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    GivenName,
    Surname,
    /// A whole name in one cell (`Jan van der Berg`, `Berg, Jan van der`).
    FullName,
    BirthDate,
    Street,
    HouseNumber,
    /// A whole address line (`Kerkstraat 12a, 1234 AB Amsterdam`).
    Address,
    Postcode,
    City,
    Phone,
    Email,
    /// NL BSN or BE national register number (checksum-validated).
    NationalId,
    Iban,
    Kvk,
    Kbo,
    Plate,
    /// Any other identifier, compared as written (no checksum).
    OtherId,
    Company,
}

impl Field {
    pub const ALL: [Field; 18] = [
        Field::GivenName,
        Field::Surname,
        Field::FullName,
        Field::BirthDate,
        Field::Street,
        Field::HouseNumber,
        Field::Address,
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
    pub const COUNT: usize = Self::ALL.len();

    /// The key used in mapping files.
    pub fn key(self) -> &'static str {
        match self {
            Field::GivenName => "given_name",
            Field::Surname => "surname",
            Field::FullName => "full_name",
            Field::BirthDate => "birth_date",
            Field::Street => "street",
            Field::HouseNumber => "house_number",
            Field::Address => "address",
            Field::Postcode => "postcode",
            Field::City => "city",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::NationalId => "national_id",
            Field::Iban => "iban",
            Field::Kvk => "kvk",
            Field::Kbo => "kbo",
            Field::Plate => "plate",
            Field::OtherId => "other_id",
            Field::Company => "company",
        }
    }

    pub fn from_key(key: &str) -> Option<Field> {
        Self::ALL.into_iter().find(|f| f.key() == key)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A set of fields, as a bit mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct FieldSet(u32);

impl FieldSet {
    pub fn empty() -> Self {
        Self(0)
    }
    pub fn all() -> Self {
        Field::ALL.into_iter().collect()
    }
    pub fn insert(&mut self, f: Field) {
        self.0 |= 1 << f.index();
    }
    pub fn contains(self, f: Field) -> bool {
        self.0 & (1 << f.index()) != 0
    }
    pub fn any(self, fs: &[Field]) -> bool {
        fs.iter().any(|f| self.contains(*f))
    }
}

impl FromIterator<Field> for FieldSet {
    fn from_iter<I: IntoIterator<Item = Field>>(iter: I) -> Self {
        let mut s = Self::empty();
        for f in iter {
            s.insert(f);
        }
        s
    }
}

/// One input record before normalisation: at most one value per field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRecord {
    values: [Option<String>; Field::COUNT],
}

impl RawRecord {
    pub fn new() -> Self {
        Self::default()
    }
    /// Builder form of [`RawRecord::set`].
    pub fn with(mut self, field: Field, value: &str) -> Self {
        self.set(field, value);
        self
    }
    pub fn set(&mut self, field: Field, value: &str) {
        self.values[field.index()] = Some(value.to_owned());
    }
    /// Like [`RawRecord::set`], taking ownership (no copy).
    pub fn set_string(&mut self, field: Field, value: String) {
        self.values[field.index()] = Some(value);
    }
    pub fn get(&self, field: Field) -> Option<&str> {
        self.values[field.index()].as_deref()
    }
}
