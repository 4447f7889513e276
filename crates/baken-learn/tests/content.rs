//! The shipped learning content: complete, consistent with the engine, free of
//! personal data, and the comparison explains every difference.

use std::collections::BTreeSet;

use baken_indicators::Level;
use baken_learn::{check, compare, embedded, privacy, Action, Verdict, CASE_FILES, LANGUAGES};

fn lib() -> baken_indicators::Library {
    baken_indicators::embedded().expect("shipped library")
}

#[test]
fn shipped_content_passes_the_check_and_agrees_with_the_engine() {
    let (content, load_problems) = embedded();
    assert!(load_problems.is_empty(), "{load_problems:#?}");
    let problems = check(&content, &lib());
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "{}", text.join("\n"));
}

#[test]
fn at_least_thirty_cases_across_phenomena_and_contexts_and_five_innocent() {
    let (content, _) = embedded();
    assert!(content.cases.len() >= 30, "{} cases", content.cases.len());
    let innocent = content
        .cases
        .iter()
        .filter(|c| c.level == Level::None && c.action == Action::Nothing)
        .count();
    assert!(innocent >= 5, "{innocent} cases where nothing is wrong");
    let phenomena: BTreeSet<&str> = content
        .cases
        .iter()
        .flat_map(|c| c.phenomena.iter().map(String::as_str))
        .collect();
    for want in [
        "labour_exploitation",
        "sexual_exploitation",
        "criminal_exploitation",
        "forced_begging",
        "sham_marriage",
        "straw_man",
        "human_smuggling",
        "overcrowded_housing",
    ] {
        assert!(phenomena.contains(want), "no case for {want}");
    }
    let contexts: BTreeSet<&str> = content.cases.iter().map(|c| c.context.as_str()).collect();
    assert!(contexts.len() >= 6, "{contexts:?}");
    assert_eq!(content.modules.len(), 4);
    for m in &content.modules {
        for lang in LANGUAGES {
            assert!(!m.lesson(lang).is_empty(), "{} {lang}", m.id);
        }
    }
}

#[test]
fn every_case_file_in_the_directory_is_embedded() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../learning/cases");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .expect("learning/cases")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = CASE_FILES.iter().map(|(n, _)| n.to_string()).collect();
    embedded.sort();
    assert_eq!(on_disk, embedded);
}

#[test]
fn shipped_texts_have_no_personal_data_findings() {
    let (content, _) = embedded();
    let mut n = 0;
    for c in &content.cases {
        for (_, t) in c.title.iter().chain(c.scenario.iter()) {
            n += 1;
            assert!(
                privacy::scan(t).is_empty(),
                "{}: {:?}",
                c.id,
                privacy::scan(t)
            );
        }
    }
    for m in &content.modules {
        for lang in LANGUAGES {
            n += 1;
            let t = m.lesson(lang);
            assert!(
                privacy::scan(t).is_empty(),
                "{} {lang}: {:?}",
                m.id,
                privacy::scan(t)
            );
        }
    }
    assert!(n > 100);
}

#[test]
fn comparison_explains_missed_extra_and_agreed() {
    let lib = lib();
    let (content, _) = embedded();
    let case = content.case("sham-marriage-notice").expect("case");
    // Ticks two of the four, adds one that is not in the scenario, wrong action.
    let ticked = vec![
        "IDR-21".to_string(),
        "IDR-23".to_string(),
        "IDR-02".to_string(),
    ];
    let c = compare(&lib, case, &ticked, Action::Nothing, "en").expect("compare");
    let verdict = |id: &str| {
        c.items
            .iter()
            .find(|i| i.indicator == id)
            .map(|i| i.verdict)
    };
    assert_eq!(verdict("IDR-21"), Some(Verdict::Agreed));
    assert_eq!(verdict("IDR-20"), Some(Verdict::Missed));
    assert_eq!(verdict("IDR-24"), Some(Verdict::Missed));
    assert_eq!(verdict("IDR-02"), Some(Verdict::Extra));
    assert!(!c.action_agreed());
    assert!(!c.perfect());
    assert_eq!(c.expected_level, Level::Strong);
    assert_eq!(c.expected_phenomena, vec!["sham_marriage".to_string()]);
    for d in c.differences() {
        assert!(!d.label.is_empty() && !d.look_for.is_empty() && !d.card.is_empty());
    }
    // 2 agreed of 5 indicators, action wrong: 2 of 6.
    assert_eq!(c.score, 33);

    let all = compare(&lib, case, &case.indicators, case.action, "nl").expect("compare");
    assert!(all.perfect());
    assert_eq!(all.score, 100);
    assert_eq!(all.learner_level, all.expected_level);
}

#[test]
fn check_names_each_kind_of_problem() {
    let lib = lib();
    let (mut content, _) = embedded();
    let case = content
        .cases
        .iter_mut()
        .find(|c| c.id == "housing-damp-rooms")
        .unwrap();
    case.level = Level::Strong;
    case.indicators.push("XXX-99".into());
    let case = content
        .cases
        .iter_mut()
        .find(|c| c.id == "smuggling-car-park")
        .unwrap();
    case.phenomena = vec!["labour_exploitation".into()];
    case.title = baken_indicators::Text::new(
        [(
            "nl".to_string(),
            "Jan de Vries op de parkeerplaats".to_string(),
        )]
        .into(),
    );
    let m = content.modules.iter_mut().find(|m| m.id == "desk").unwrap();
    m.lessons
        .insert("fr".into(), "Voir [[IDR-99]] et [[BAR-12]].".into());
    let problems: Vec<String> = check(&content, &lib)
        .iter()
        .map(ToString::to_string)
        .collect();
    let all = problems.join("\n");
    for want in [
        "case housing-damp-rooms: unknown indicator 'XXX-99'",
        "case smuggling-car-park: expected phenomena [labour_exploitation] but the engine reads [human_smuggling]",
        "case smuggling-car-park: title has no text in 'en'",
        "case smuggling-car-park: text (nl) contains what looks like personal data (name): 'Jan de Vries'",
        "learning/modules/desk/fr.md: link to unknown indicator or barrier 'IDR-99'",
        "learning/modules/desk/fr.md: lesson does not end in its practice case",
    ] {
        assert!(all.contains(want), "missing {want:?} in:\n{all}");
    }
    let case = content
        .cases
        .iter_mut()
        .find(|c| c.id == "housing-damp-rooms")
        .unwrap();
    case.indicators.pop();
    let all: Vec<String> = check(&content, &lib)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        all.iter().any(|p| p
            .contains("housing-damp-rooms: expected level strong but the engine reads possible")),
        "{all:#?}"
    );
}
