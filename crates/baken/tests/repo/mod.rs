//! The `baken` binary run from the repository root, as the pure engines' CLI tests use it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository root (where `indicators/` and `learning/` live).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Run `baken ARGS` in the repository root.
pub fn baken(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_baken"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run baken")
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
