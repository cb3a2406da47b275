//! The referral letter as a PDF (A4, 2 cm margins), written by krilla with DejaVu Sans embedded
//! (subset; `assets/fonts/`, its licence beside it): no external tools, no fonts of the host.
//! It lays out the same [`LetterText`] the web page shows. Pure: bytes in, bytes out.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use skrifa::MetadataProvider;
use skrifa::instance::{LocationRef, Size};

use crate::domain::letter::{LetterText, Row};

static REGULAR: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
/// 2 cm.
const MARGIN: f32 = 56.69;
const WIDTH: f32 = PAGE_W - 2.0 * MARGIN;
/// Width of the label column of a section's rows.
const LABEL_W: f32 = 135.0;

/// A font for drawing (krilla) and for measuring (skrifa), from the same bytes.
struct Face {
    font: Font,
    data: &'static [u8],
}

impl Face {
    fn new(data: &'static [u8]) -> Result<Self, String> {
        let font = Font::new(data.into(), 0).ok_or("the embedded font does not load")?;
        Ok(Self { font, data })
    }

    /// Width of `text` at `size` points (advances without kerning: never narrower than drawn).
    fn width(&self, text: &str, size: f32) -> f32 {
        let Ok(font) = skrifa::FontRef::new(self.data) else {
            return text.chars().count() as f32 * size * 0.6;
        };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                let glyph = charmap.map(c).unwrap_or_default();
                metrics.advance_width(glyph).unwrap_or(size * 0.6)
            })
            .sum()
    }

    /// `text` broken into lines no wider than `max` at `size` (a word longer than a line is
    /// broken between characters).
    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if self.width(&candidate, size) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                line.push(c);
                if self.width(&line, size) > max {
                    line.pop();
                    lines.push(std::mem::replace(&mut line, c.to_string()));
                }
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// Where the next line goes, page by page.
struct Writer<'a> {
    surface: Surface<'a>,
    y: f32,
}

/// Which face, size and colour a run of text takes.
#[derive(Clone, Copy)]
struct Style<'f> {
    face: &'f Face,
    size: f32,
    color: (u8, u8, u8),
}

impl Writer<'_> {
    fn text(&mut self, x: f32, style: Style<'_>, text: &str) {
        let (r, g, b) = style.color;
        self.surface.set_fill(Some(Fill {
            paint: rgb::Color::new(r, g, b).into(),
            opacity: NormalizedF32::ONE,
            rule: Default::default(),
        }));
        self.surface.draw_text(
            Point::from_xy(x, self.y),
            style.face.font.clone(),
            style.size,
            text,
            false,
            TextDirection::Auto,
        );
    }

    fn rule(&mut self) {
        let mut path = PathBuilder::new();
        path.move_to(MARGIN, self.y);
        path.line_to(PAGE_W - MARGIN, self.y);
        if let Some(path) = path.finish() {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke {
                width: 0.8,
                ..Default::default()
            }));
            self.surface.draw_path(&path);
            self.surface.set_stroke(None);
        }
    }
}

/// One line to place: its x, style and text, and the space it takes below the previous one.
struct Line<'f> {
    x: f32,
    style: Style<'f>,
    text: String,
    lead: f32,
}

/// The letter as a PDF; `lang` (`id`, `en`) and `title` go into the document's metadata.
pub fn render(letter: &LetterText, lang: &str, title: &str) -> Result<Vec<u8>, String> {
    let regular = Face::new(REGULAR)?;
    let bold = Face::new(BOLD)?;
    let lines = layout(letter, &regular, &bold);
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language(lang.to_owned())
            .creator("Rujukan".to_owned()),
    );
    let mut rest = lines.as_slice();
    while !rest.is_empty() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("A4 is a page size")?;
        let mut page = document.start_page_with(settings);
        let placed = fill_page(page.surface(), rest);
        page.finish();
        rest = rest.get(placed..).unwrap_or_default();
    }
    document.finish().map_err(|e| format!("{e:?}"))
}

/// Places as many of `lines` as fit on one page (at least one); returns how many.
fn fill_page(surface: Surface<'_>, lines: &[Line<'_>]) -> usize {
    let mut w = Writer { surface, y: MARGIN };
    let mut placed = 0;
    for line in lines {
        if w.y + line.lead > PAGE_H - MARGIN && placed > 0 {
            break;
        }
        w.y += line.lead;
        if line.text == RULE {
            w.rule();
        } else {
            w.text(line.x, line.style, &line.text);
        }
        placed += 1;
    }
    w.surface.finish();
    placed
}

/// Marks the horizontal rule under the letterhead in the list of lines.
const RULE: &str = "\u{0}rule";

/// Every line of the letter, in order, with its position.
fn layout<'f>(letter: &LetterText, regular: &'f Face, bold: &'f Face) -> Vec<Line<'f>> {
    let black = (0, 0, 0);
    let style = |face, size| Style {
        face,
        size,
        color: black,
    };
    let mut out = Vec::new();
    let mut push = |x: f32, style: Style<'f>, text: String, lead: f32| {
        out.push(Line {
            x,
            style,
            text,
            lead,
        });
    };
    let centred =
        |face: &Face, size: f32, text: &str| MARGIN + (WIDTH - face.width(text, size)) / 2.0;
    if let Some(mark) = &letter.mark {
        let s = Style {
            face: bold,
            size: 18.0,
            color: (176, 0, 32),
        };
        push(centred(bold, 18.0, mark), s, mark.clone(), 18.0);
        push(MARGIN, style(regular, 1.0), String::new(), 10.0);
    }
    for (i, text) in letter.letterhead.iter().enumerate() {
        let (face, size) = if i == 0 { (bold, 13.0) } else { (regular, 9.0) };
        for part in face.wrap(text, size, WIDTH) {
            push(MARGIN, style(face, size), part, size + 4.0);
        }
    }
    push(MARGIN, style(regular, 1.0), RULE.to_owned(), 8.0);
    let date_x = PAGE_W - MARGIN - regular.width(&letter.place_date, 10.0);
    push(
        date_x,
        style(regular, 10.0),
        letter.place_date.clone(),
        24.0,
    );
    push(
        centred(bold, 14.0, &letter.title),
        style(bold, 14.0),
        letter.title.clone(),
        28.0,
    );
    push(
        centred(regular, 10.0, &letter.number),
        style(regular, 10.0),
        letter.number.clone(),
        16.0,
    );
    for section in &letter.sections {
        push(MARGIN, style(bold, 11.0), section.heading.clone(), 26.0);
        for row in &section.rows {
            for (x, s, text, lead) in row_lines(row, regular, bold) {
                push(x, s, text, lead);
            }
        }
    }
    let grey = Style {
        face: regular,
        size: 8.5,
        color: (70, 70, 70),
    };
    let mut lead = 26.0;
    for part in regular.wrap(&letter.verification, 8.5, WIDTH) {
        push(MARGIN, grey, part, lead);
        lead = 12.0;
    }
    signer_lines(&letter.signer, regular, &mut out);
    out
}

/// The signer block in the right half: its lines, a blank one leaving room for a signature.
fn signer_lines<'f>(signer: &[String], regular: &'f Face, out: &mut Vec<Line<'f>>) {
    let x = MARGIN + WIDTH * 0.55;
    let style = Style {
        face: regular,
        size: 10.0,
        color: (0, 0, 0),
    };
    let mut lead = 30.0;
    for text in signer {
        for part in regular.wrap(text, 10.0, WIDTH * 0.45) {
            out.push(Line {
                x,
                style,
                text: part,
                lead,
            });
            lead = 14.0;
        }
        if text.is_empty() {
            lead = 28.0;
        }
    }
}

/// A label and its value side by side; a row without a label spans the whole width.
fn row_lines<'f>(
    row: &Row,
    regular: &'f Face,
    bold: &'f Face,
) -> Vec<(f32, Style<'f>, String, f32)> {
    let size = 9.5;
    let lead = size + 4.5;
    let black = (0, 0, 0);
    let value_style = Style {
        face: regular,
        size,
        color: black,
    };
    if row.label.is_empty() {
        let mut out: Vec<_> = regular
            .wrap(&row.value, size, WIDTH)
            .into_iter()
            .map(|part| (MARGIN, value_style, part, lead))
            .collect();
        if let Some(first) = out.first_mut() {
            first.3 = lead + 2.0;
        }
        return out;
    }
    let label_style = Style {
        face: bold,
        size,
        color: black,
    };
    let labels = bold.wrap(&row.label, size, LABEL_W - 6.0);
    let values = regular.wrap(&row.value, size, WIDTH - LABEL_W);
    let mut out = Vec::new();
    for i in 0..labels.len().max(values.len()) {
        let lead = if i == 0 { lead + 2.0 } else { lead };
        // The label and the value of one line share a baseline: the second takes no space.
        let mut first = true;
        if let Some(label) = labels.get(i) {
            out.push((MARGIN, label_style, label.clone(), lead));
            first = false;
        }
        if let Some(value) = values.get(i) {
            out.push((
                MARGIN + LABEL_W,
                value_style,
                value.clone(),
                if first { lead } else { 0.0 },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_and_lines_wrap_within_the_width() -> Result<(), String> {
        let face = Face::new(REGULAR)?;
        let hash = "3f2a".repeat(40);
        let lines = face.wrap(&format!("kode audit {hash}"), 9.0, 200.0);
        assert!(lines.len() > 2, "{lines:?}");
        assert!(lines.iter().all(|l| face.width(l, 9.0) <= 200.0));
        assert_eq!(lines.concat().replace(' ', ""), format!("kodeaudit{hash}"));
        assert_eq!(face.wrap("", 9.0, 100.0), [""]);
        Ok(())
    }
}
