//! Which documents Rujukan accepts, judged by their content rather than by what the sender
//! declares: PDF, JPEG, PNG, MP3 and office documents are recognised by their signatures (the
//! `infer` crate), office documents further by the structure of their ZIP container, plain text
//! by being UTF-8 without control characters.

use std::io::Read;

/// Word documents (`.docx`).
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
/// Excel workbooks (`.xlsx`).
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// OpenDocument texts (`.odt`).
pub const ODT: &str = "application/vnd.oasis.opendocument.text";

/// Media types accepted for documents.
pub const ACCEPTED: [&str; 8] = [
    "application/pdf",
    "image/jpeg",
    "image/png",
    "text/plain",
    "audio/mpeg",
    DOCX,
    XLSX,
    ODT,
];

/// Largest `mimetype` entry read from an OpenDocument container.
const MAX_MIMETYPE_LEN: u64 = 100;

/// What the content is, by its bytes: one of [`ACCEPTED`] when it is one of them, else the media
/// type `infer` recognises (e.g. `application/vnd.microsoft.portable-executable`), else `None`.
pub fn sniff(content: &[u8]) -> Option<&'static str> {
    if let Some(office) = office_type(content) {
        return Some(office);
    }
    let inferred = infer::get(content);
    match inferred {
        Some(kind) if kind.matcher_type() != infer::MatcherType::Text => Some(kind.mime_type()),
        _ if is_plain_text(content) => Some("text/plain"),
        Some(kind) => Some(kind.mime_type()),
        None => None,
    }
}

/// Checks that `content` is what `declared` (one of [`ACCEPTED`]) says; the error explains the
/// mismatch in a sentence.
pub fn check_content(declared: &str, content: &[u8]) -> Result<(), String> {
    match sniff(content) {
        Some(found) if found == declared => Ok(()),
        Some(found) => Err(format!(
            "The content is {found}, not {declared} as declared: send the file with its own media type (accepted: {}).",
            ACCEPTED.join(", ")
        )),
        None => Err(format!(
            "The content is not recognisable as {declared} as declared: send the file with its own media type (accepted: {}).",
            ACCEPTED.join(", ")
        )),
    }
}

/// UTF-8 (a byte-order mark allowed) without control characters other than tab, line breaks and
/// form feed.
fn is_plain_text(content: &[u8]) -> bool {
    let content = content.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(content);
    std::str::from_utf8(content).is_ok_and(|text| {
        text.chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\r' | '\n' | '\u{c}'))
    })
}

/// The office format of a ZIP container, from its structure: `[Content_Types].xml` with a `word/`
/// or `xl/` part (Office Open XML), or a stored `mimetype` entry naming an OpenDocument text. Only
/// the central directory and at most 100 bytes of one stored entry are read: nothing is
/// decompressed.
fn office_type(content: &[u8]) -> Option<&'static str> {
    if !content.starts_with(b"PK\x03\x04") {
        return None;
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(content)).ok()?;
    if archive.index_for_name("[Content_Types].xml").is_some() {
        let has_part = |prefix: &[u8]| archive.file_names_raw().any(|n| n.starts_with(prefix));
        return if has_part(b"word/") {
            Some(DOCX)
        } else if has_part(b"xl/") {
            Some(XLSX)
        } else {
            None
        };
    }
    let entry = archive.by_name("mimetype").ok()?;
    if entry.compression() != zip::CompressionMethod::Stored || entry.size() > MAX_MIMETYPE_LEN {
        return None;
    }
    let mut declared = String::new();
    entry
        .take(MAX_MIMETYPE_LEN)
        .read_to_string(&mut declared)
        .ok()?;
    (declared.trim() == ODT).then_some(ODT)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A ZIP of `entries` (name, content), stored without compression.
    fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, text) in entries {
            writer.start_file(*name, options).unwrap_or_default();
            writer.write_all(text.as_bytes()).unwrap_or_default();
        }
        writer
            .finish()
            .map(std::io::Cursor::into_inner)
            .unwrap_or_default()
    }

    #[test]
    fn signatures_decide_the_type() {
        assert_eq!(sniff(b"%PDF-1.7\n%%EOF\n"), Some("application/pdf"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0"), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(sniff(b"ID3\x04\0\0\0\0\0\0"), Some("audio/mpeg"));
        assert_eq!(
            sniff("Hasil visum, halaman 1\r\n".as_bytes()),
            Some("text/plain")
        );
        assert_eq!(
            sniff(b"<html><body>x</body></html>"),
            Some("text/plain"),
            "text-like content is text"
        );
        assert_eq!(
            sniff(b"MZ\x90\0\x03\0\0\0"),
            Some("application/vnd.microsoft.portable-executable")
        );
        assert_eq!(sniff(b"text with a NUL\0 inside"), None);
        assert_eq!(sniff(b"\xC3\x28 not UTF-8"), None);
    }

    #[test]
    fn office_documents_are_known_by_their_container() {
        let docx = zip_of(&[
            ("[Content_Types].xml", "<Types/>"),
            ("_rels/.rels", "<Relationships/>"),
            ("word/document.xml", "<w:document/>"),
        ]);
        assert_eq!(sniff(&docx), Some(DOCX));
        let xlsx = zip_of(&[
            ("[Content_Types].xml", "<Types/>"),
            ("xl/workbook.xml", "<workbook/>"),
        ]);
        assert_eq!(sniff(&xlsx), Some(XLSX));
        let odt = zip_of(&[
            ("mimetype", ODT),
            ("content.xml", "<office:document-content/>"),
        ]);
        assert_eq!(sniff(&odt), Some(ODT));
        let plain_zip = zip_of(&[("readme.txt", "hello")]);
        assert_eq!(sniff(&plain_zip), Some("application/zip"));
        let spreadsheet_odf =
            zip_of(&[("mimetype", "application/vnd.oasis.opendocument.spreadsheet")]);
        assert_ne!(sniff(&spreadsheet_odf), Some(ODT));
        assert!(check_content(DOCX, &plain_zip).is_err());
    }

    #[test]
    fn a_mismatch_says_what_the_content_is() {
        assert!(check_content("application/pdf", b"%PDF-1.4\n").is_ok());
        let refused = check_content("application/pdf", b"MZ\x90\0\x03\0").err();
        assert!(
            refused.as_deref().is_some_and(|m| m
                .contains("application/vnd.microsoft.portable-executable")
                && m.contains("not application/pdf")),
            "{refused:?}"
        );
        assert!(check_content("text/plain", b"%PDF-1.4\n").is_err());
        assert!(
            check_content("image/png", b"plain words")
                .err()
                .is_some_and(|m| m.contains("text/plain"))
        );
    }
}
