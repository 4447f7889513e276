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

fn totp(secret_b32: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_string()).to_bytes().ok()?;
    // One step of skew either way: phone clocks drift.
    TOTP::new(Algorithm::SHA1, 6, 1, 30, bytes).ok()
}

/// Check a typed code (spaces ignored) at unix time `now`.
pub fn verify(secret_b32: &str, code: &str, now: i64) -> bool {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) || now < 0 {
        return false;
    }
    totp(secret_b32).is_some_and(|t| t.check(&code, now as u64))
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
        assert!(verify(&s, &code, now));
        assert!(verify(&s, &format!("{} {}", &code[..3], &code[3..]), now));
        assert!(!verify(&s, &code, now + 300), "expired");
        assert!(!verify(&s, "12345", now));
        assert!(!verify(&s, "abcdef", now));
    }

    #[test]
    fn qr_is_svg_without_xml_prolog() {
        let svg = qr_svg(&otpauth_url("coordinator", &new_secret()));
        assert!(svg.trim_start().starts_with("<svg"));
    }
}
