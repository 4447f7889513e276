//! `baken learn check` end to end, through the real binary.

mod repo;

use repo::{baken, root, text};
use std::path::Path;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let p = entry.expect("entry").path();
        let dest = to.join(p.file_name().expect("name"));
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).expect("copy");
        }
    }
}

#[test]
fn check_passes_on_the_shipped_content() {
    for args in [vec!["learn", "check"], vec!["learn", "check", "learning"]] {
        let out = baken(&args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.starts_with("ok: "), "{stdout}");
        assert!(stdout.contains("practice cases and 4 modules in nl, en, fr"));
    }
}

#[test]
fn check_fails_naming_each_problem() {
    let dir = std::env::temp_dir().join(format!("baken-learn-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&root().join("learning"), &dir);
    // A case whose expected level no longer agrees with the engine, a lesson
    // without its French text, and a link to an indicator that does not exist.
    let cases = dir.join("cases/housing.toml");
    let t = std::fs::read_to_string(&cases).expect("read");
    std::fs::write(
        &cases,
        t.replacen("level = \"possible\"", "level = \"strong\"", 1),
    )
    .expect("write");
    std::fs::remove_file(dir.join("modules/trainer/fr.md")).expect("rm");
    let en = dir.join("modules/desk/en.md");
    let t = std::fs::read_to_string(&en).expect("read");
    std::fs::write(&en, t.replace("[[IDR-14]]", "[[IDR-99]]")).expect("write");

    let out = baken(&["learn", "check", dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    for want in [
        "learning/cases/housing.toml: case housing-damp-rooms: expected level strong but the engine reads possible",
        "learning/modules/trainer/fr.md: lesson missing or empty",
        "learning/modules/desk/en.md: link to unknown indicator or barrier 'IDR-99'",
        "3 problem(s)",
    ] {
        assert!(err.contains(want), "stderr lacks {want:?}:\n{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
