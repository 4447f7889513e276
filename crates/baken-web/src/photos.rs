//! Photos from the public channel: only JPEG and PNG, bounded in bytes and pixels, and
//! re-encoded from their pixels so that nothing but the picture survives — no EXIF, no
//! GPS position, no camera or phone model, no thumbnail, no comments.
//!
//! Why re-encode rather than cut metadata segments out: a decoder only hands over pixels,
//! so whatever a camera or an editing app hid in the file (in EXIF, XMP, IPTC, maker
//! notes, trailing bytes) cannot pass through by a segment we did not know about.

use image::{ImageDecoder, ImageReader};
use std::io::Cursor;

/// At most this many photos per report or follow-up message.
pub const MAX_PHOTOS: usize = 3;
/// At most this many bytes per photo as uploaded.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;
/// At most this many pixels (a decompression bomb would otherwise fit in a few bytes).
const MAX_PIXELS: u64 = 40_000_000;

/// A photo as it is kept: re-encoded JPEG bytes, nothing else.
#[derive(Debug, Clone)]
pub struct CleanPhoto {
    pub bytes: Vec<u8>,
}

impl CleanPhoto {
    pub const MEDIA_TYPE: &'static str = "image/jpeg";
}

/// Why a photo was refused; each maps to a message in the reporter's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoError {
    TooLarge,
    WrongType,
    Unreadable,
}

impl PhotoError {
    pub fn message_key(self) -> &'static str {
        match self {
            PhotoError::TooLarge => "public-err-photo-size",
            PhotoError::WrongType => "public-err-photo-type",
            PhotoError::Unreadable => "public-err-photo-unreadable",
        }
    }
}

fn is_jpeg(b: &[u8]) -> bool {
    b.starts_with(&[0xFF, 0xD8, 0xFF])
}

fn is_png(b: &[u8]) -> bool {
    b.starts_with(b"\x89PNG\r\n\x1a\n")
}

/// Check and clean one uploaded photo. The type is decided by the bytes, never by the
/// file name or the browser's claim.
pub fn clean_photo(upload: &[u8]) -> Result<CleanPhoto, PhotoError> {
    if upload.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge);
    }
    let format = if is_jpeg(upload) {
        image::ImageFormat::Jpeg
    } else if is_png(upload) {
        image::ImageFormat::Png
    } else {
        return Err(PhotoError::WrongType);
    };
    let mut reader = ImageReader::with_format(Cursor::new(upload), format);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| PhotoError::Unreadable)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(PhotoError::TooLarge);
    }
    // Keep the picture upright: apply the orientation before the tag that holds it goes.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture =
        image::DynamicImage::from_decoder(decoder).map_err(|_| PhotoError::Unreadable)?;
    picture.apply_orientation(orientation);
    let rgb = picture.to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&rgb)
        .map_err(|_| PhotoError::Unreadable)?;
    Ok(CleanPhoto { bytes: out })
}

/// Test support: a JPEG carrying an EXIF segment with a GPS position and a camera model,
/// as a phone would write it. Used by this module's tests and the browser test.
#[doc(hidden)]
pub fn jpeg_with_gps_exif() -> Vec<u8> {
    let picture =
        image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .encode_image(&picture)
        .unwrap();
    // TIFF (little endian): IFD0 with Model and a GPS IFD pointer; GPS IFD with latitude ref.
    let mut tiff: Vec<u8> = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    let model = b"CanaryPhone GPS-52.09N\0";
    // IFD0: 2 entries.
    let ifd0_len = 2 + 2 * 12 + 4;
    let model_off = 8 + ifd0_len;
    let gps_off = model_off + model.len();
    tiff.extend_from_slice(&2u16.to_le_bytes());
    // 0x0110 Model, ASCII
    tiff.extend_from_slice(&0x0110u16.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&(model.len() as u32).to_le_bytes());
    tiff.extend_from_slice(&(model_off as u32).to_le_bytes());
    // 0x8825 GPS IFD pointer, LONG
    tiff.extend_from_slice(&0x8825u16.to_le_bytes());
    tiff.extend_from_slice(&4u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&(gps_off as u32).to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(model);
    // GPS IFD: 1 entry, GPSLatitudeRef = "N".
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x0001u16.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&2u32.to_le_bytes());
    tiff.extend_from_slice(b"N\0\0\0");
    tiff.extend_from_slice(&0u32.to_le_bytes());
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// True when the bytes carry an EXIF segment or the canary of [`jpeg_with_gps_exif`].
pub fn has_exif(bytes: &[u8]) -> bool {
    contains(bytes, b"Exif\0\0") || contains(bytes, b"CanaryPhone")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gps_exif_and_camera_model_are_gone_and_the_picture_stays() {
        let upload = jpeg_with_gps_exif();
        assert!(has_exif(&upload), "the fixture really carries EXIF");
        let clean = clean_photo(&upload).unwrap();
        assert!(!has_exif(&clean.bytes));
        let back = image::load_from_memory(&clean.bytes).unwrap();
        assert_eq!((back.width(), back.height()), (64, 48));
    }

    #[test]
    fn png_is_accepted_and_becomes_jpeg() {
        let mut png = Vec::new();
        image::RgbImage::new(10, 10)
            .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let clean = clean_photo(&png).unwrap();
        assert!(is_jpeg(&clean.bytes));
    }

    #[test]
    fn other_types_oversized_and_broken_files_are_refused() {
        assert_eq!(
            clean_photo(b"GIF89a....").unwrap_err(),
            PhotoError::WrongType
        );
        assert_eq!(
            clean_photo(b"%PDF-1.7 not a picture").unwrap_err(),
            PhotoError::WrongType
        );
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(clean_photo(&big).unwrap_err(), PhotoError::TooLarge);
        let mut broken = jpeg_with_gps_exif();
        broken.truncate(200);
        assert_eq!(clean_photo(&broken).unwrap_err(), PhotoError::Unreadable);
    }
}
