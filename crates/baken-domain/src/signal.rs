//! A signal as a frontline worker records it: parsed from the flat fields of a form (or
//! the JSON API), kept exactly as typed while it is a draft, and validated on submit into
//! normalised values — every problem named by field and a stable code that the web layer
//! translates.

use crate::identifiers::{
    BeNationalNumber, Bsn, EmailAddress, Iban, KboNumber, KvkNumber, LicencePlate, PhoneNumber,
    Postcode,
};
use std::collections::BTreeMap;

pub const OBSERVATION_CHARS_MAX: usize = 10_000;
pub const FIELD_CHARS_MAX: usize = 200;
pub const ENTITIES_MAX: usize = 50;
pub const ANSWERS_MAX: usize = 400;

/// The kinds of people and things a signal can concern, with their fields in form order.
pub const ENTITY_KINDS: &[(&str, &[&str])] = &[
    (
        "person",
        &[
            "name",
            "birth_date",
            "estimated_age",
            "nationality",
            "languages",
            "role",
            "bsn",
            "national_number",
        ],
    ),
    ("address", &["street", "house_number", "postcode", "town"]),
    ("organisation", &["name", "kvk", "kbo"]),
    ("vehicle", &["plate"]),
    ("phone", &["number"]),
    ("email", &["address"]),
    ("bank_account", &["iban"]),
    ("website", &["url"]),
];

pub const PERSON_ROLES: &[&str] = &["possible_victim", "possible_exploiter", "other"];
pub const URGENCIES: &[&str] = &["normal", "high", "acute"];
pub const SUBJECTS: &[&str] = &["adult", "minor", "unknown"];
pub const ANSWERS: &[&str] = &["yes", "no", "unknown"];

pub fn entity_fields(kind: &str) -> Option<&'static [&'static str]> {
    ENTITY_KINDS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, f)| *f)
}

/// One person or thing, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntityDraft {
    pub kind: String,
    pub fields: BTreeMap<String, String>,
}

impl EntityDraft {
    pub fn get(&self, field: &str) -> &str {
        self.fields.get(field).map(String::as_str).unwrap_or("")
    }
}

/// A signal exactly as typed. Drafts are stored like this, so nothing typed is lost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignalDraft {
    pub context: String,
    pub subject: String,
    pub acute: bool,
    pub answers: BTreeMap<String, String>,
    pub observation: String,
    pub observed_on: String,
    pub place: String,
    pub urgency: String,
    pub entities: Vec<EntityDraft>,
}

impl SignalDraft {
    /// Read the flat fields of the intake form: `answer.ID`, `e3.kind`, `e3.name`, …
    /// Unknown fields are ignored (they are the form's buttons and the CSRF token).
    pub fn from_fields(fields: &[(String, String)]) -> SignalDraft {
        let mut d = SignalDraft::default();
        let mut entities: BTreeMap<usize, EntityDraft> = BTreeMap::new();
        for (key, value) in fields {
            match key.as_str() {
                "context" => d.context = value.clone(),
                "subject" => d.subject = value.clone(),
                "acute" => d.acute = matches!(value.as_str(), "on" | "true" | "1" | "yes"),
                "observation" => d.observation = value.clone(),
                "observed_on" => d.observed_on = value.clone(),
                "place" => d.place = value.clone(),
                "urgency" => d.urgency = value.clone(),
                _ => {
                    if let Some(id) = key.strip_prefix("answer.") {
                        if d.answers.len() < ANSWERS_MAX && !value.is_empty() {
                            d.answers.insert(id.to_string(), value.clone());
                        }
                    } else if let Some((index, field)) = parse_entity_key(key) {
                        if index < ENTITIES_MAX {
                            let e = entities.entry(index).or_default();
                            if field == "kind" {
                                e.kind = value.clone();
                            } else {
                                e.fields.insert(field.to_string(), value.clone());
                            }
                        }
                    }
                }
            }
        }
        d.entities = entities
            .into_values()
            .filter(|e| !e.kind.is_empty())
            .collect();
        d
    }

    /// The flat fields again (the inverse of [`SignalDraft::from_fields`]).
    pub fn to_fields(&self) -> Vec<(String, String)> {
        let mut out = vec![
            ("context".to_string(), self.context.clone()),
            ("subject".to_string(), self.subject.clone()),
            ("observation".to_string(), self.observation.clone()),
            ("observed_on".to_string(), self.observed_on.clone()),
            ("place".to_string(), self.place.clone()),
            ("urgency".to_string(), self.urgency.clone()),
        ];
        if self.acute {
            out.push(("acute".into(), "on".into()));
        }
        for (id, answer) in &self.answers {
            out.push((format!("answer.{id}"), answer.clone()));
        }
        for (i, e) in self.entities.iter().enumerate() {
            out.push((format!("e{i}.kind"), e.kind.clone()));
            for (k, v) in &e.fields {
                out.push((format!("e{i}.{k}"), v.clone()));
            }
        }
        out
    }
}

fn parse_entity_key(key: &str) -> Option<(usize, &str)> {
    let rest = key.strip_prefix('e')?;
    let (index, field) = rest.split_once('.')?;
    Some((index.parse().ok()?, field))
}

/// A problem with one field: where (`observation`, `entities[2].postcode`) and what
/// (a stable code such as `postcode.format`, translated by the web layer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: &'static str,
}

/// A normalised identifier found in a signal, for linking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifier {
    /// `iban`, `kvk`, `kbo`, `bsn`, `national_number`, `postcode`, `plate`, `phone`, `email`.
    pub kind: &'static str,
    pub value: String,
}

/// A signal that passed validation: the draft (as typed) plus its normalised identifiers.
#[derive(Debug, Clone)]
pub struct ValidSignal {
    pub draft: SignalDraft,
    pub identifiers: Vec<(usize, Identifier)>,
}

fn check_text(
    errors: &mut Vec<FieldError>,
    field: String,
    value: &str,
    max_chars: usize,
    multiline: bool,
) {
    if value.chars().count() > max_chars {
        errors.push(FieldError {
            field,
            code: "text.too_long",
        });
    } else if value
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        errors.push(FieldError {
            field,
            code: "text.control_characters",
        });
    }
}

/// `YYYY-MM-DD` between 1900-01-01 and `today` (inclusive), as the browser's date field sends.
pub fn valid_date(value: &str, today: &str) -> bool {
    let b = value.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (
        value[..4].parse::<u32>(),
        value[5..7].parse::<u32>(),
        value[8..].parse::<u32>(),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    y >= 1900 && d >= 1 && d <= days && value <= today
}

/// Validate a draft for submission. `today` is `YYYY-MM-DD` (time is a parameter).
/// Indicator ids and the context are checked against the library by the caller.
pub fn validate(draft: &SignalDraft, today: &str) -> Result<ValidSignal, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut identifiers = Vec::new();
    let err = |errors: &mut Vec<FieldError>, field: &str, code: &'static str| {
        errors.push(FieldError {
            field: field.to_string(),
            code,
        })
    };
    if !SUBJECTS.contains(&draft.subject.as_str()) && !draft.subject.is_empty() {
        err(&mut errors, "subject", "choice.invalid");
    }
    if !URGENCIES.contains(&draft.urgency.as_str()) && !draft.urgency.is_empty() {
        err(&mut errors, "urgency", "choice.invalid");
    }
    for (id, answer) in &draft.answers {
        if !ANSWERS.contains(&answer.as_str()) {
            errors.push(FieldError {
                field: format!("answer.{id}"),
                code: "choice.invalid",
            });
        }
    }
    check_text(
        &mut errors,
        "observation".into(),
        &draft.observation,
        OBSERVATION_CHARS_MAX,
        true,
    );
    check_text(
        &mut errors,
        "place".into(),
        &draft.place,
        FIELD_CHARS_MAX,
        false,
    );
    if !draft.observed_on.is_empty() && !valid_date(&draft.observed_on, today) {
        err(&mut errors, "observed_on", "date.invalid");
    }
    let any_yes = draft.answers.values().any(|a| a == "yes");
    if draft.observation.trim().is_empty() && !any_yes {
        err(&mut errors, "observation", "signal.empty");
    }
    if draft.entities.len() > ENTITIES_MAX {
        err(&mut errors, "entities", "entities.too_many");
    }
    for (i, e) in draft.entities.iter().enumerate() {
        let Some(fields) = entity_fields(&e.kind) else {
            errors.push(FieldError {
                field: format!("entities[{i}].kind"),
                code: "choice.invalid",
            });
            continue;
        };
        let at = |f: &str| format!("entities[{i}].{f}");
        for f in fields.iter() {
            check_text(&mut errors, at(f), e.get(f), FIELD_CHARS_MAX, false);
        }
        // A field this kind does not have would be stored unchecked: not one of the options.
        for f in e.fields.keys().filter(|f| !fields.contains(&f.as_str())) {
            errors.push(FieldError {
                field: at(f),
                code: "choice.invalid",
            });
        }
        if fields.iter().all(|f| e.get(f).trim().is_empty()) {
            errors.push(FieldError {
                field: at(fields[0]),
                code: "entity.empty",
            });
            continue;
        }
        let present = |f: &str| !e.get(f).trim().is_empty();
        // (field, identifier kind, parse result), sorted into values or errors below.
        let mut parsed: Vec<(&str, &'static str, Result<String, &'static str>)> = Vec::new();
        match e.kind.as_str() {
            "person" => {
                if present("birth_date") && !valid_date(e.get("birth_date").trim(), today) {
                    errors.push(FieldError {
                        field: at("birth_date"),
                        code: "date.invalid",
                    });
                }
                if present("estimated_age") {
                    match e.get("estimated_age").trim().parse::<u32>() {
                        Ok(age) if age <= 120 => {}
                        _ => errors.push(FieldError {
                            field: at("estimated_age"),
                            code: "age.invalid",
                        }),
                    }
                }
                if present("role") && !PERSON_ROLES.contains(&e.get("role")) {
                    errors.push(FieldError {
                        field: at("role"),
                        code: "choice.invalid",
                    });
                }
                if present("bsn") {
                    parsed.push((
                        "bsn",
                        "bsn",
                        Bsn::parse(e.get("bsn"))
                            .map(|v| v.as_str().to_string())
                            .map_err(|x| x.code()),
                    ));
                }
                if present("national_number") {
                    parsed.push((
                        "national_number",
                        "national_number",
                        BeNationalNumber::parse(e.get("national_number"))
                            .map(|v| v.as_str().to_string())
                            .map_err(|x| x.code()),
                    ));
                }
            }
            "address" if present("postcode") => {
                parsed.push((
                    "postcode",
                    "postcode",
                    Postcode::parse(e.get("postcode"))
                        .map(|v| v.as_str().to_string())
                        .map_err(|x| x.code()),
                ));
            }
            "organisation" => {
                if present("kvk") {
                    parsed.push((
                        "kvk",
                        "kvk",
                        KvkNumber::parse(e.get("kvk"))
                            .map(|v| v.as_str().to_string())
                            .map_err(|x| x.code()),
                    ));
                }
                if present("kbo") {
                    parsed.push((
                        "kbo",
                        "kbo",
                        KboNumber::parse(e.get("kbo"))
                            .map(|v| v.as_str().to_string())
                            .map_err(|x| x.code()),
                    ));
                }
            }
            "vehicle" => parsed.push((
                "plate",
                "plate",
                LicencePlate::parse(e.get("plate"))
                    .map(|v| v.as_str().to_string())
                    .map_err(|x| x.code()),
            )),
            "phone" => parsed.push((
                "number",
                "phone",
                PhoneNumber::parse(e.get("number"), crate::identifiers::Country::Nl)
                    .map(|v| v.as_str().to_string())
                    .map_err(|x| x.code()),
            )),
            "email" => parsed.push((
                "address",
                "email",
                EmailAddress::parse(e.get("address"))
                    .map(|v| v.as_str().to_string())
                    .map_err(|x| x.code()),
            )),
            "bank_account" => parsed.push((
                "iban",
                "iban",
                Iban::parse(e.get("iban"))
                    .map(|v| v.as_str().to_string())
                    .map_err(|x| x.code()),
            )),
            "website" => {
                let url = e.get("url").trim();
                let ok = (url.starts_with("https://")
                    || url.starts_with("http://")
                    || url.contains('.'))
                    && !url.contains(char::is_whitespace);
                if !ok {
                    errors.push(FieldError {
                        field: at("url"),
                        code: "url.invalid",
                    });
                }
            }
            _ => {}
        }
        for (field, kind, result) in parsed {
            match result {
                Ok(value) => identifiers.push((i, Identifier { kind, value })),
                Err(code) => errors.push(FieldError {
                    field: at(field),
                    code,
                }),
            }
        }
    }
    if errors.is_empty() {
        Ok(ValidSignal {
            draft: draft.clone(),
            identifiers,
        })
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const TODAY: &str = "2026-11-23";

    #[test]
    fn form_fields_round_trip() {
        let f = fields(&[
            ("context", "registration_desk"),
            ("answer.IDR-01", "yes"),
            ("e0.kind", "person"),
            ("e0.name", "Jan de Vries"),
            ("e1.kind", "bank_account"),
            ("e1.iban", "NL91 ABNA 0417 1643 00"),
            ("observation", "Iemand anders sprak voor hem."),
            ("acute", "on"),
            ("csrf", "ignored"),
        ]);
        let d = SignalDraft::from_fields(&f);
        assert_eq!(d.entities.len(), 2);
        assert!(d.acute);
        assert_eq!(SignalDraft::from_fields(&d.to_fields()), d);
    }

    #[test]
    fn a_wrong_postcode_is_named_by_field_and_code() {
        let d = SignalDraft::from_fields(&fields(&[
            ("observation", "x"),
            ("e0.kind", "person"),
            ("e0.name", "A"),
            ("e1.kind", "address"),
            ("e1.street", "Kerkstraat"),
            ("e1.postcode", "123 AB"),
        ]));
        let errors = validate(&d, TODAY).unwrap_err();
        assert_eq!(
            errors,
            vec![FieldError {
                field: "entities[1].postcode".into(),
                code: "postcode.format"
            }]
        );
    }

    #[test]
    fn identifiers_are_normalised() {
        let d = SignalDraft::from_fields(&fields(&[
            ("answer.X", "yes"),
            ("e0.kind", "bank_account"),
            ("e0.iban", "nl91 abna 0417 1643 00"),
            ("e1.kind", "address"),
            ("e1.postcode", "1234 ab"),
        ]));
        let v = validate(&d, TODAY).unwrap();
        let values: Vec<&str> = v
            .identifiers
            .iter()
            .map(|(_, i)| i.value.as_str())
            .collect();
        assert_eq!(values, ["NL91ABNA0417164300", "1234AB"]);
    }

    #[test]
    fn an_empty_signal_and_bad_values_are_refused() {
        let d = SignalDraft::from_fields(&fields(&[
            ("observed_on", "2030-01-01"),
            ("urgency", "asap"),
        ]));
        let codes: Vec<&str> = validate(&d, TODAY)
            .unwrap_err()
            .iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(codes, ["choice.invalid", "date.invalid", "signal.empty"]);
    }

    #[test]
    fn control_characters_and_overlong_text_are_refused() {
        let d = SignalDraft::from_fields(&fields(&[
            ("observation", "ok\u{0}"),
            ("place", &"x".repeat(201)),
        ]));
        let codes: Vec<&str> = validate(&d, TODAY)
            .unwrap_err()
            .iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(codes, ["text.control_characters", "text.too_long"]);
    }

    #[test]
    fn fields_a_kind_does_not_have_are_refused() {
        let d = SignalDraft::from_fields(&fields(&[
            ("observation", "x"),
            ("e0.kind", "phone"),
            ("e0.number", "0612345678"),
            ("e0.comment", "not a phone field"),
        ]));
        assert_eq!(
            validate(&d, TODAY).unwrap_err(),
            vec![FieldError {
                field: "entities[0].comment".into(),
                code: "choice.invalid"
            }]
        );
    }

    #[test]
    fn dates_are_real_calendar_days() {
        assert!(valid_date("2024-02-29", TODAY));
        assert!(!valid_date("2023-02-29", TODAY));
        assert!(!valid_date("2026-13-01", TODAY));
        assert!(!valid_date("1899-12-31", TODAY));
        assert!(!valid_date("26-11-2026", TODAY));
    }
}
