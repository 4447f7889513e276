//! The mapping file (TOML) that tells `baken link` which input column holds which
//! field, and optionally tunes the model. Unknown keys are errors with a line number:
//! a typo must not silently drop a field.

use std::collections::BTreeMap;

use baken_domain::identifiers::Country;
use serde::Deserialize;

use crate::batch::{LinkOptions, Threshold};
use crate::schema::Field;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    id: String,
    truth: Option<String>,
    delimiter: Option<String>,
    country: Option<String>,
    fields: BTreeMap<String, String>,
    model: Option<ModelSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelSection {
    threshold: Option<toml::Value>,
    block_size_max: Option<usize>,
    u_pairs: Option<usize>,
    em_iterations_max: Option<usize>,
    cluster_size_max: Option<usize>,
    chain_density_min: Option<f64>,
    hard_link_registered: Option<bool>,
    loose_blocking: Option<bool>,
}

/// A parsed mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapping {
    /// Column with the record id.
    pub id: String,
    /// Column with the ground-truth entity (benchmarks only).
    pub truth: Option<String>,
    /// CSV delimiter.
    pub delimiter: u8,
    /// Default country for phone numbers without country code.
    pub country: Country,
    /// Field → column, in field order.
    pub fields: Vec<(Field, String)>,
    pub options: LinkOptions,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MappingError {
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}:{line}:{column}: unknown field `{key}` in [fields]; known fields: {known}")]
    UnknownField {
        file: String,
        line: usize,
        column: usize,
        key: String,
        known: String,
    },
    #[error("{file}:{line}: {key}: {message}")]
    BadValue {
        file: String,
        line: usize,
        key: String,
        message: String,
    },
}

/// 1-based line and column of the first `key =` at the start of a line.
fn locate(text: &str, key: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                return (i + 1, line.len() - t.len() + 1);
            }
        }
    }
    (0, 0)
}

impl Mapping {
    pub fn parse(text: &str, file: &str) -> Result<Self, MappingError> {
        let raw: MappingFile = toml::from_str(text).map_err(|e| MappingError::Syntax {
            file: file.to_owned(),
            message: e.to_string().trim_end().replace('\n', " "),
        })?;
        let bad = |key: &str, message: String| {
            let (line, _) = locate(text, key);
            MappingError::BadValue {
                file: file.to_owned(),
                line,
                key: key.to_owned(),
                message,
            }
        };
        let mut fields = Vec::new();
        for (k, col) in &raw.fields {
            let Some(f) = Field::from_key(k) else {
                let (line, column) = locate(text, k);
                return Err(MappingError::UnknownField {
                    file: file.to_owned(),
                    line,
                    column,
                    key: k.clone(),
                    known: Field::ALL.map(Field::key).join(", "),
                });
            };
            if col.trim().is_empty() {
                return Err(bad(k, "column name is empty".into()));
            }
            fields.push((f, col.clone()));
        }
        if fields.is_empty() {
            return Err(bad("fields", "map at least one field".into()));
        }
        fields.sort();
        let delimiter = match raw.delimiter.as_deref() {
            None => b',',
            Some("\\t") | Some("\t") | Some("tab") => b'\t',
            Some(d) if d.len() == 1 && d.is_ascii() => d.as_bytes()[0],
            Some(d) => {
                return Err(bad(
                    "delimiter",
                    format!("must be one character, not {d:?}"),
                ))
            }
        };
        let country = match raw
            .country
            .as_deref()
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            None | Some("NL") => Country::Nl,
            Some("BE") => Country::Be,
            Some(c) => return Err(bad("country", format!("must be NL or BE, not {c:?}"))),
        };
        let mut options = LinkOptions::default();
        if let Some(m) = raw.model {
            match m.threshold {
                None => {}
                Some(toml::Value::String(s)) if s == "auto" => options.threshold = Threshold::Auto,
                Some(toml::Value::Float(p)) if p > 0.0 && p < 1.0 => {
                    options.threshold = Threshold::Probability(p)
                }
                Some(v) => {
                    return Err(bad(
                        "threshold",
                        format!("must be \"auto\" or a probability between 0 and 1, not {v}"),
                    ))
                }
            }
            if let Some(v) = m.block_size_max {
                if !(2..=10_000).contains(&v) {
                    return Err(bad("block_size_max", "must be between 2 and 10000".into()));
                }
                options.block_size_max = v;
            }
            if let Some(v) = m.u_pairs {
                options.train.u_pairs = v.clamp(1_000, 100_000_000);
            }
            if let Some(v) = m.em_iterations_max {
                options.train.em_iterations_max = v.clamp(1, 1_000);
            }
            if let Some(v) = m.cluster_size_max {
                options.cluster.cluster_size_max = v.max(2);
            }
            if let Some(v) = m.chain_density_min {
                if !(0.0..=1.0).contains(&v) {
                    return Err(bad("chain_density_min", "must be between 0 and 1".into()));
                }
                options.cluster.density_min = v;
            }
            if let Some(v) = m.loose_blocking {
                options.keys.loose = v;
            }
            if let Some(v) = m.hard_link_registered {
                options.hard_link_registered = v;
            }
        }
        Ok(Self {
            id: raw.id,
            truth: raw.truth,
            delimiter,
            country,
            fields,
            options,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "unique_id"
truth = "cluster"
country = "NL"

[fields]
given_name = "given_name"
surname = "surname"
birth_date = "dob"

[model]
threshold = 0.9
"#;

    #[test]
    fn parses_a_mapping() {
        let m = Mapping::parse(GOOD, "m.toml").unwrap();
        assert_eq!(m.id, "unique_id");
        assert_eq!(m.fields[0], (Field::GivenName, "given_name".to_owned()));
        assert_eq!(m.options.threshold, Threshold::Probability(0.9));
    }

    #[test]
    fn unknown_field_names_line_and_column() {
        let text = GOOD.replace("surname = ", "surnam = ");
        let e = Mapping::parse(&text, "m.toml").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("m.toml:8:1: unknown field `surnam`"),
            "{e}"
        );
    }

    #[test]
    fn unknown_top_level_key_is_a_syntax_error_with_position() {
        let text = format!("colour = \"red\"\n{GOOD}");
        let e = Mapping::parse(&text, "m.toml").unwrap_err().to_string();
        assert!(
            e.contains("unknown field `colour`") && e.contains("line 1"),
            "{e}"
        );
    }
}
