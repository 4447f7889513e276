//! Proof of work for the public channel: abuse is made costly without identifying anyone.
//!
//! A challenge is a token `ID.ISSUED.BITS.MAC`: a random id, the issue time (unix
//! seconds; it lives only in this token and in the server's memory), the difficulty in
//! bits, and an HMAC-SHA256 over the rest under a key the server keeps in memory. A
//! solution is a decimal counter `n` such that SHA-256(token ‖ n) starts with `BITS`
//! zero bits (`static/pow.js` finds it in the browser). Pure: the key, the id and the
//! time are parameters.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// A challenge as the server issues it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub id: String,
    pub issued: i64,
    pub bits: u32,
}

/// Why a solution does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejected {
    Malformed,
    Forged,
    Expired,
    TooEasy,
    Wrong,
}

fn mac(key: &[u8], payload: &str) -> HmacSha256 {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    mac.update(b"baken-pow-v1|");
    mac.update(payload.as_bytes());
    mac
}

impl Challenge {
    /// The signed token to put in the form.
    pub fn token(&self, key: &[u8]) -> String {
        let payload = format!("{}.{}.{}", self.id, self.issued, self.bits);
        let tag = hex::encode(mac(key, &payload).finalize().into_bytes());
        format!("{payload}.{tag}")
    }

    /// Parse a token and check its signature (in constant time).
    pub fn open(key: &[u8], token: &str) -> Result<Challenge, Rejected> {
        let (payload, tag) = token.rsplit_once('.').ok_or(Rejected::Malformed)?;
        let mut parts = payload.split('.');
        let (Some(id), Some(issued), Some(bits), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(Rejected::Malformed);
        };
        let tag = hex::decode(tag).map_err(|_| Rejected::Malformed)?;
        let valid = id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit());
        let issued: i64 = issued.parse().map_err(|_| Rejected::Malformed)?;
        let bits: u32 = bits.parse().map_err(|_| Rejected::Malformed)?;
        if !valid || bits > 64 {
            return Err(Rejected::Malformed);
        }
        mac(key, payload)
            .verify_slice(&tag)
            .map_err(|_| Rejected::Forged)?;
        Ok(Challenge {
            id: id.to_string(),
            issued,
            bits,
        })
    }
}

/// The number of leading zero bits of SHA-256(token ‖ counter).
pub fn work_bits(token: &str, counter: &str) -> u32 {
    let digest = Sha256::new()
        .chain_update(token.as_bytes())
        .chain_update(counter.as_bytes())
        .finalize();
    let mut bits = 0;
    for byte in digest {
        bits += byte.leading_zeros();
        if byte != 0 {
            break;
        }
    }
    bits
}

/// Check a solution: signed by `key`, issued within `max_age_s` before `now`, at least
/// `min_bits` hard, and the counter does the work. Returns the challenge (its id is what
/// the caller marks as spent).
pub fn verify(
    key: &[u8],
    token: &str,
    counter: &str,
    now: i64,
    max_age_s: i64,
    min_bits: u32,
) -> Result<Challenge, Rejected> {
    let challenge = Challenge::open(key, token)?;
    // A little clock skew forward is allowed; nothing from the future beyond it.
    if now - challenge.issued > max_age_s || challenge.issued - now > 60 {
        return Err(Rejected::Expired);
    }
    if challenge.bits < min_bits {
        return Err(Rejected::TooEasy);
    }
    let plain =
        !counter.is_empty() && counter.len() <= 20 && counter.bytes().all(|b| b.is_ascii_digit());
    if !plain || work_bits(token, counter) < challenge.bits {
        return Err(Rejected::Wrong);
    }
    Ok(challenge)
}

/// Find a counter for a token, as `pow.js` does (for tests and non-browser clients).
pub fn solve(token: &str, bits: u32) -> String {
    (0u64..)
        .map(|n| n.to_string())
        .find(|n| work_bits(token, n) >= bits)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn challenge() -> Challenge {
        Challenge {
            id: "00ff".into(),
            issued: 1_000,
            bits: 10,
        }
    }

    #[test]
    fn a_solved_challenge_verifies() {
        let token = challenge().token(KEY);
        let n = solve(&token, 10);
        assert!(work_bits(&token, &n) >= 10);
        assert_eq!(verify(KEY, &token, &n, 1_100, 7_200, 10), Ok(challenge()));
    }

    #[test]
    fn forged_expired_easy_and_wrong_solutions_are_rejected() {
        let token = challenge().token(KEY);
        let n = solve(&token, 10);
        assert_eq!(
            verify(b"another key", &token, &n, 1_100, 7_200, 10),
            Err(Rejected::Forged)
        );
        let easier = token.replacen(".10.", ".2.", 1);
        assert_eq!(
            verify(KEY, &easier, &solve(&easier, 2), 1_100, 7_200, 2),
            Err(Rejected::Forged)
        );
        assert_eq!(
            verify(KEY, &token, &n, 1_000 + 7_201, 7_200, 10),
            Err(Rejected::Expired)
        );
        assert_eq!(
            verify(KEY, &token, &n, 1_100, 7_200, 11),
            Err(Rejected::TooEasy)
        );
        let wrong = (0u64..)
            .map(|i| i.to_string())
            .find(|i| work_bits(&token, i) < 10)
            .unwrap();
        assert_eq!(
            verify(KEY, &token, &wrong, 1_100, 7_200, 10),
            Err(Rejected::Wrong)
        );
        assert_eq!(
            verify(KEY, &token, "", 1_100, 7_200, 10),
            Err(Rejected::Wrong)
        );
        assert_eq!(
            verify(KEY, "nonsense", &n, 1_100, 7_200, 10),
            Err(Rejected::Malformed)
        );
    }

    #[test]
    fn zero_bits_are_counted_across_bytes() {
        // SHA-256("abc") starts with 0xba: no leading zero bit.
        assert_eq!(work_bits("ab", "c"), 0);
    }
}
