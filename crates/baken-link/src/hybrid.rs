//! Parquet's RLE / bit-packed hybrid encoding, decoded: the encoding of definition
//! levels and of dictionary indices. The `parquet` crate keeps its decoder behind an
//! experimental feature that pulls in Arrow; reading dictionary-encoded columns
//! straight from their pages (each distinct value once, no hashing) needs only this.
//!
//! Format (parquet-format `Encodings.md`): a sequence of runs, each starting with a
//! ULEB128 header. An even header is a repeated run of `header >> 1` copies of one
//! value stored in `ceil(bit_width / 8)` little-endian bytes; an odd header is a
//! bit-packed run of `header >> 1` groups of eight values, each `bit_width` bits,
//! packed from the least significant bit.

/// Why a run could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HybridError {
    /// The data ended inside a run header, a repeated value or packed values.
    Truncated,
    /// A bit width over 32.
    BitWidth(u8),
}

impl std::fmt::Display for HybridError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HybridError::Truncated => f.write_str("RLE/bit-packed data ends inside a run"),
            HybridError::BitWidth(w) => write!(f, "RLE/bit-packed bit width {w} is over 32"),
        }
    }
}

impl std::error::Error for HybridError {}

fn uleb128(data: &[u8], pos: &mut usize) -> Result<u64, HybridError> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *data.get(*pos).ok_or(HybridError::Truncated)?;
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(HybridError::Truncated)
}

/// Appends `n` values of `bit_width` bits decoded from `data` to `out`. Runs may hold
/// more values than asked for (the last bit-packed group is padded to eight).
pub fn decode(data: &[u8], bit_width: u8, n: usize, out: &mut Vec<u32>) -> Result<(), HybridError> {
    if bit_width > 32 {
        return Err(HybridError::BitWidth(bit_width));
    }
    let bw = usize::from(bit_width);
    let value_bytes = bw.div_ceil(8);
    let end = out.len() + n;
    out.reserve(n);
    let mut pos = 0;
    while out.len() < end {
        let header = uleb128(data, &mut pos)?;
        let wanted = end - out.len();
        if header & 1 == 0 {
            let count = usize::try_from(header >> 1).unwrap_or(usize::MAX);
            let bytes = data
                .get(pos..pos + value_bytes)
                .ok_or(HybridError::Truncated)?;
            pos += value_bytes;
            let v = bytes
                .iter()
                .enumerate()
                .fold(0u32, |v, (i, &b)| v | (u32::from(b) << (8 * i)));
            out.extend(std::iter::repeat_n(v, count.min(wanted)));
        } else {
            let groups = usize::try_from(header >> 1).unwrap_or(usize::MAX);
            let take = groups.saturating_mul(8).min(wanted);
            // Only the bytes holding the values taken must be present.
            let needed = (take * bw).div_ceil(8);
            let run = data.get(pos..pos + needed).ok_or(HybridError::Truncated)?;
            pos = pos
                .saturating_add(groups.saturating_mul(bw))
                .min(data.len());
            unpack(run, bw, take, out);
        }
    }
    Ok(())
}

/// Appends `n` values of `bw` bits packed from the least significant bit of `run`
/// (which holds at least `n * bw` bits).
fn unpack(run: &[u8], bw: usize, n: usize, out: &mut Vec<u32>) {
    if bw == 0 {
        out.extend(std::iter::repeat_n(0, n));
        return;
    }
    let mask = (1u64 << bw) - 1;
    for i in 0..n {
        let bit = i * bw;
        let (byte, shift) = (bit / 8, bit % 8);
        // A value spans at most five bytes (32 bits shifted by up to 7).
        let word = match run.get(byte..byte + 8) {
            Some(b) => u64::from_le_bytes(b.try_into().expect("eight bytes")),
            None => run[byte..]
                .iter()
                .enumerate()
                .fold(0u64, |w, (k, &b)| w | (u64::from(b) << (8 * k))),
        };
        out.push(((word >> shift) & mask) as u32);
    }
}

/// Bits needed for values up to `max` (the bit width of definition levels).
pub fn bit_width_of(max: u32) -> u8 {
    (32 - max.leading_zeros()) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bit_packed(values: &[u32], bw: usize) -> Vec<u8> {
        let groups = values.len().div_ceil(8);
        let mut bytes = vec![0u8; groups * bw];
        for (i, &v) in values.iter().enumerate() {
            for b in 0..bw {
                if v >> b & 1 == 1 {
                    let bit = i * bw + b;
                    bytes[bit / 8] |= 1 << (bit % 8);
                }
            }
        }
        let mut out = vec![((groups << 1) | 1) as u8];
        out.extend(bytes);
        out
    }

    #[test]
    fn repeated_and_bit_packed_runs_decode() {
        // 300 copies of 5 (header 600 = 0xd8 0x04), then 0..10 packed in 4 bits.
        let mut data = vec![0xd8, 0x04, 5];
        let packed: Vec<u32> = (0..10).collect();
        data.extend(bit_packed(&packed, 4));
        let mut out = Vec::new();
        decode(&data, 4, 310, &mut out).unwrap();
        assert_eq!(out.len(), 310);
        assert!(out[..300].iter().all(|&v| v == 5));
        assert_eq!(&out[300..], &packed[..]);
    }

    #[test]
    fn wide_values_and_offsets_decode() {
        for bw in [1usize, 3, 7, 13, 17, 31, 32] {
            let max = if bw == 32 { u32::MAX } else { (1u32 << bw) - 1 };
            let values: Vec<u32> = (0..21u32)
                .map(|i| i.wrapping_mul(2_654_435_761) & max)
                .collect();
            let mut out = vec![99];
            decode(&bit_packed(&values, bw), bw as u8, values.len(), &mut out).unwrap();
            assert_eq!(&out[1..], &values[..], "bit width {bw}");
        }
    }

    #[test]
    fn truncated_data_is_an_error_not_a_panic() {
        let mut out = Vec::new();
        assert_eq!(decode(&[0x80], 8, 1, &mut out), Err(HybridError::Truncated));
        assert_eq!(decode(&[0x02], 8, 1, &mut out), Err(HybridError::Truncated));
        assert_eq!(
            decode(&[0x03, 0xff], 4, 8, &mut out),
            Err(HybridError::Truncated)
        );
        assert_eq!(
            decode(&[0x02, 1], 33, 1, &mut out),
            Err(HybridError::BitWidth(33))
        );
        // More values asked for than the runs hold.
        assert_eq!(
            decode(&[0x04, 1], 8, 3, &mut out),
            Err(HybridError::Truncated)
        );
    }

    #[test]
    fn bit_widths() {
        assert_eq!(bit_width_of(0), 0);
        assert_eq!(bit_width_of(1), 1);
        assert_eq!(bit_width_of(2), 2);
        assert_eq!(bit_width_of(255), 8);
    }
}
