//! Plain, printable PDF documents (referral documents, dossier exports, certificates).
//!
//! Built on `pdf-writer` with the standard Helvetica fonts every PDF reader ships, so no
//! font files are embedded and the output stays small. Text is laid out top to bottom on
//! A4 pages, wrapped by the Helvetica glyph widths, with a footer naming the document and
//! the page. The standard fonts cover the Windows-1252 repertoire (Dutch, French, German,
//! English); characters outside it are printed as `?` — callers that need other scripts
//! should offer the HTML version beside the PDF.

use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const FOOTER_Y: f32 = 32.0;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

#[derive(Clone, Copy)]
enum Style {
    Title,
    Heading,
    Body,
    Label,
}

impl Style {
    fn size(self) -> f32 {
        match self {
            Style::Title => 18.0,
            Style::Heading => 13.0,
            Style::Body | Style::Label => 10.5,
        }
    }

    fn bold(self) -> bool {
        !matches!(self, Style::Body)
    }

    fn leading(self) -> f32 {
        self.size() * 1.35
    }
}

/// One line already placed: its style, left offset and encoded text.
struct Line {
    style: Style,
    x: f32,
    y: f32,
    text: Vec<u8>,
}

/// A document under construction. Methods append blocks in reading order.
pub struct PdfDocument {
    title: String,
    language: Option<String>,
    pages: Vec<Vec<Line>>,
    y: f32,
}

impl PdfDocument {
    /// A new document whose first block is its title (also the PDF's metadata title).
    pub fn new(title: &str) -> PdfDocument {
        let mut doc = PdfDocument {
            title: title.to_owned(),
            language: None,
            pages: vec![Vec::new()],
            y: PAGE_HEIGHT - MARGIN,
        };
        doc.block(Style::Title, 0.0, title, 6.0);
        doc
    }

    /// The document's natural language (BCP 47, e.g. `nl`), for screen readers.
    pub fn language(&mut self, language: &str) -> &mut Self {
        self.language = Some(language.to_owned());
        self
    }

    /// A section heading.
    pub fn heading(&mut self, text: &str) -> &mut Self {
        self.space(6.0);
        self.block(Style::Heading, 0.0, text, 3.0);
        self
    }

    /// A paragraph of running text; line breaks in `text` start new lines.
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        for line in text.lines() {
            self.block(Style::Body, 0.0, line, 0.0);
        }
        self.space(4.0);
        self
    }

    /// A labelled value, e.g. "Status: referred"; the label in bold on its own line when
    /// the value is long.
    pub fn field(&mut self, label: &str, value: &str) -> &mut Self {
        let label = format!("{label}:");
        let label_width = text_width(&encode(&label), Style::Label) + 4.0;
        if label_width + text_width(&encode(value), Style::Body) <= TEXT_WIDTH {
            self.ensure_room(Style::Body.leading());
            let y = self.baseline(Style::Body);
            self.place(Style::Label, 0.0, y, encode(&label));
            self.place(Style::Body, label_width, y, encode(value));
            self.y -= Style::Body.leading();
        } else {
            self.block(Style::Label, 0.0, &label, 0.0);
            self.block(Style::Body, 12.0, value, 0.0);
        }
        self.space(1.5);
        self
    }

    /// An item of a bulleted list.
    pub fn bullet(&mut self, text: &str) -> &mut Self {
        self.ensure_room(Style::Body.leading());
        let y = self.baseline(Style::Body);
        self.place(Style::Body, 4.0, y, encode("\u{2022}"));
        self.block(Style::Body, 16.0, text, 1.0);
        self
    }

    /// The finished PDF file.
    pub fn finish(&self) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let catalog_id = Ref::new(1);
        let tree_id = Ref::new(2);
        let info_id = Ref::new(3);
        let regular_id = Ref::new(4);
        let bold_id = Ref::new(5);
        let first_page = 6;
        let page_ids: Vec<Ref> = (0..self.pages.len())
            .map(|i| Ref::new(first_page + 2 * i as i32))
            .collect();

        let mut catalog = pdf.catalog(catalog_id);
        catalog.pages(tree_id);
        if let Some(language) = &self.language {
            catalog.lang(TextStr(language));
        }
        catalog.viewer_preferences().display_doc_title(true);
        drop(catalog);
        pdf.pages(tree_id)
            .kids(page_ids.iter().copied())
            .count(page_ids.len() as i32);
        pdf.document_info(info_id)
            .title(TextStr(&self.title))
            .creator(TextStr("Baken"));
        for (id, font) in [(regular_id, "Helvetica"), (bold_id, "Helvetica-Bold")] {
            pdf.type1_font(id)
                .base_font(Name(font.as_bytes()))
                .encoding_predefined(Name(b"WinAnsiEncoding"));
        }

        let total = self.pages.len();
        for (index, lines) in self.pages.iter().enumerate() {
            let page_id = page_ids[index];
            let content_id = Ref::new(page_id.get() + 1);
            let mut page = pdf.page(page_id);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
                .parent(tree_id)
                .contents(content_id);
            page.resources()
                .fonts()
                .pair(REGULAR, regular_id)
                .pair(BOLD, bold_id);
            drop(page);

            let mut content = Content::new();
            for line in lines {
                show(&mut content, line);
            }
            let footer = encode(&format!("{} \u{2014} {}/{}", self.title, index + 1, total));
            show(
                &mut content,
                &Line {
                    style: Style::Body,
                    x: 0.0,
                    y: FOOTER_Y,
                    text: truncate_to_width(footer, TEXT_WIDTH),
                },
            );
            pdf.stream(content_id, &content.finish());
        }
        pdf.finish()
    }

    fn space(&mut self, points: f32) {
        self.y -= points;
    }

    fn ensure_room(&mut self, height: f32) {
        if self.y - height < MARGIN {
            self.pages.push(Vec::new());
            self.y = PAGE_HEIGHT - MARGIN;
        }
    }

    /// Where text of `style` sits on the current line: one font size below its top.
    fn baseline(&self, style: Style) -> f32 {
        self.y - style.size()
    }

    fn place(&mut self, style: Style, x: f32, y: f32, text: Vec<u8>) {
        let page = self.pages.last_mut().expect("a document always has a page");
        page.push(Line { style, x, y, text });
    }

    /// Wrap `text` to the text width minus `indent` and place its lines.
    fn block(&mut self, style: Style, indent: f32, text: &str, after: f32) {
        for line in wrap(&encode(text), style, TEXT_WIDTH - indent) {
            self.ensure_room(style.leading());
            let y = self.baseline(style);
            self.place(style, indent, y, line);
            self.y -= style.leading();
        }
        self.space(after);
    }
}

fn show(content: &mut Content, line: &Line) {
    let font = if line.style.bold() { BOLD } else { REGULAR };
    content
        .begin_text()
        .set_font(font, line.style.size())
        .next_line(MARGIN + line.x, line.y)
        .show(Str(&line.text))
        .end_text();
}

/// Text in the fonts' WinAnsi encoding; characters it lacks become `?`.
fn encode(text: &str) -> Vec<u8> {
    text.chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            ' '..='~' | '\u{a0}'..='\u{ff}' => c as u8,
            '\u{20ac}' => 0x80,
            '\u{201a}' => 0x82,
            '\u{201e}' => 0x84,
            '\u{2026}' => 0x85,
            '\u{160}' => 0x8a,
            '\u{152}' => 0x8c,
            '\u{17d}' => 0x8e,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201c}' => 0x93,
            '\u{201d}' => 0x94,
            '\u{2022}' => 0x95,
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            '\u{2122}' => 0x99,
            '\u{161}' => 0x9a,
            '\u{153}' => 0x9c,
            '\u{17e}' => 0x9e,
            '\u{178}' => 0x9f,
            _ => b'?',
        })
        .collect()
}

/// Helvetica advance widths (per 1000 units of font size) for ASCII 32..=126, from the
/// font's AFM metrics. Other bytes (accented letters and punctuation) use 556, the
/// width of most lowercase letters, which is close for the Latin-1 letters.
const HELVETICA_WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

fn byte_width(byte: u8) -> f32 {
    match byte {
        32..=126 => f32::from(HELVETICA_WIDTHS[usize::from(byte - 32)]),
        _ => 556.0,
    }
}

fn text_width(text: &[u8], style: Style) -> f32 {
    // Bold glyphs are up to ~8% wider; wrapping on the wider measure keeps lines inside.
    let factor = if style.bold() { 1.08 } else { 1.0 };
    text.iter().map(|&b| byte_width(b)).sum::<f32>() * style.size() / 1000.0 * factor
}

/// Greedy word wrap; a word longer than a line is broken where it must be.
fn wrap(text: &[u8], style: Style, width: f32) -> Vec<Vec<u8>> {
    let mut lines = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let mut candidate = current.clone();
        if !candidate.is_empty() {
            candidate.push(b' ');
        }
        candidate.extend_from_slice(word);
        if text_width(&candidate, style) <= width {
            current = candidate;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        let mut rest = word;
        while text_width(rest, style) > width {
            let mut cut = rest.len() - 1;
            while cut > 1 && text_width(&rest[..cut], style) > width {
                cut -= 1;
            }
            lines.push(rest[..cut].to_vec());
            rest = &rest[cut..];
        }
        current = rest.to_vec();
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

fn truncate_to_width(mut text: Vec<u8>, width: f32) -> Vec<u8> {
    while text.len() > 1 && text_width(&text, Style::Body) > width {
        text.pop();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_fit_the_text_width_and_keep_every_word() {
        let text = "Signalen van mensenhandel bij de balie: ".repeat(20);
        let lines = wrap(&encode(&text), Style::Body, TEXT_WIDTH);
        assert!(lines.len() > 5);
        for line in &lines {
            assert!(text_width(line, Style::Body) <= TEXT_WIDTH);
        }
        let rejoined: Vec<u8> = lines.join(&b' ');
        assert_eq!(rejoined, encode(text.trim_end()));
    }

    #[test]
    fn a_word_longer_than_a_line_is_broken() {
        let word = "x".repeat(400);
        let lines = wrap(word.as_bytes(), Style::Body, TEXT_WIDTH);
        assert!(lines.len() > 1);
        assert_eq!(lines.concat(), word.as_bytes());
    }

    #[test]
    fn dutch_and_french_letters_use_winansi_and_others_become_question_marks() {
        assert_eq!(encode("één €"), vec![0xe9, 0xe9, b'n', b' ', 0x80]);
        assert_eq!(encode("łа"), b"??".to_vec());
    }

    #[test]
    fn long_documents_flow_onto_more_pages() {
        let mut doc = PdfDocument::new("Dossier");
        for i in 0..200 {
            doc.field("Regel", &format!("waarde {i}"));
        }
        assert!(doc.pages.len() > 2);
        let bytes = doc.finish();
        assert!(bytes.starts_with(b"%PDF-"));
        for page in &doc.pages {
            assert!(page.iter().all(|line| line.y >= MARGIN - 1.0));
        }
    }
}
