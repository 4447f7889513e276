//! Time-based one-time passwords (RFC 6238, SHA-1, 6 digits, 30 s) via `totp-rs`, and the
//! enrolment QR code rendered on the server as inline SVG (no script, no third party).

use qrcode::render::svg;
use qrcode::QrCode;
use rand::RngCore;
use totp_rs::{Algorithm, Secret, TOTP};

/// A fresh 160-bit secret, base32-encoded as authenticator apps expect.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

const STEP_SECONDS: i64 = 30;

fn totp(secret_b32: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_string()).to_bytes().ok()?;
    TOTP::new(Algorithm::SHA1, 6, 0, STEP_SECONDS as u64, bytes).ok()
}

/// The time step (unix time / 30) whose code was typed (spaces ignored), looking one step
/// either side of `now` because phone clocks drift; `None` when it matches none. The
/// caller must still claim the step once (`Store::claim_totp_step`) so a code cannot be
/// replayed within its window.
pub fn matching_step(secret_b32: &str, code: &str, now: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) || now < STEP_SECONDS {
        return None;
    }
    let totp = totp(secret_b32)?;
    let step = now / STEP_SECONDS;
    // `check` compares in constant time.
    (step - 1..=step + 1).find(|s| totp.check(&code, (s * STEP_SECONDS) as u64))
}

/// The current code, for tests and the CLI's demo helper.
pub fn code_at(secret_b32: &str, now: i64) -> Option<String> {
    totp(secret_b32).map(|t| t.generate(now.max(0) as u64))
}

pub fn otpauth_url(username: &str, secret_b32: &str) -> String {
    let label: String = username
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    format!("otpauth://totp/Baken:{label}?secret={secret_b32}&issuer=Baken&algorithm=SHA1&digits=6&period=30")
}

/// The QR code as an SVG element (empty when the URL cannot be encoded).
pub fn qr_svg(url: &str) -> String {
    match QrCode::new(url.as_bytes()) {
        Ok(code) => code
            .render::<svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build()
            .replacen("<?xml version=\"1.0\" standalone=\"yes\"?>", "", 1)
            .replacen("<svg ", "<svg role=\"img\" aria-label=\"QR\" ", 1),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_code_verifies_and_others_do_not() {
        let s = new_secret();
        let now = 1_790_000_000;
        let code = code_at(&s, now).unwrap();
        let step = now / 30;
        assert_eq!(matching_step(&s, &code, now), Some(step));
        assert_eq!(
            matching_step(&s, &format!("{} {}", &code[..3], &code[3..]), now),
            Some(step)
        );
        assert_eq!(
            matching_step(&s, &code, now + 30),
            Some(step),
            "a drifting phone"
        );
        assert_eq!(
            matching_step(&s, &code, now - 30),
            Some(step),
            "a phone ahead"
        );
        assert_eq!(matching_step(&s, &code, now + 300), None, "expired");
        assert_eq!(matching_step(&s, "12345", now), None);
        assert_eq!(matching_step(&s, "abcdef", now), None);
    }

    #[test]
    fn qr_is_svg_without_xml_prolog() {
        let svg = qr_svg(&otpauth_url("coordinator", &new_secret()));
        assert!(svg.trim_start().starts_with("<svg"));
    }
}
