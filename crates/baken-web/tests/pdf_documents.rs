//! The PDF writer's output as a reader sees it: poppler extracts the text and renders the
//! first page.

mod common;

use baken_web::pdf::PdfDocument;
use common::pdf::{pdf_text, render_first_page_png};

#[test]
fn a_document_reads_back_with_its_title_fields_and_accents_and_renders() {
    let mut doc = PdfDocument::new("Verwijzing: dossier Kerkstraat");
    doc.language("nl")
        .heading("Gegevens")
        .field("Vertrouwelijkheid", "vertrouwelijk")
        .paragraph("Eén signaal uit Zaventem — à traiter rapidement.")
        .bullet("Bibob-onderzoek");
    for i in 0..120 {
        doc.field("Regel", &format!("waarde {i}"));
    }
    let bytes = doc.finish();
    let Some(text) = pdf_text(&bytes) else { return };
    for expected in [
        "Verwijzing: dossier Kerkstraat",
        "Vertrouwelijkheid: vertrouwelijk",
        "Eén signaal uit Zaventem — à traiter rapidement.",
        "Bibob-onderzoek",
        "waarde 119",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // Pages are numbered in the footer, and the 120 lines need more than one page.
    assert!(text.contains("1/"), "no page footer in:\n{text}");
    assert!(!text.contains("1/1"), "expected several pages:\n{text}");
    let png = render_first_page_png(&bytes).expect("pdftoppm present when pdftotext is");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pdf-document-page1.png"), &png).unwrap();
    let image = image::load_from_memory(&png).expect("a PNG");
    // A4 at 72 dpi.
    assert_eq!((image.width(), image.height()), (595, 842));
    // Something was drawn: not every pixel is white.
    assert!(image.to_luma8().pixels().any(|p| p.0[0] < 128));
}
