//! Rules for text that comes from outside: which control characters no input may carry, and how a
//! file name is cleaned before it is stored and shown.

/// The first control character in `text` other than tab, carriage return and line feed, if any.
/// No text input may carry one: PostgreSQL refuses NUL in text, and the others are never typed.
pub fn forbidden_control(text: &str) -> Option<char> {
    text.chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
}

/// What a request says about a refused control character: `contains the control character U+0000`.
pub fn control_message(c: char) -> String {
    format!(
        "contains the control character U+{:04X}; control characters other than tab and line breaks are not accepted",
        u32::from(c)
    )
}

/// Whether `c` changes the direction of the text around it (U+202A–U+202E, U+2066–U+2069, U+200E,
/// U+200F, U+061C): in a file name it can make `gpj.exe` look like `exe.jpg`.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// A file name as stored and shown: without direction controls and control characters (tabs and
/// line breaks included), trimmed.
pub fn clean_file_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect::<String>()
        .trim()
        .to_owned()
}

/// An agreement's description in one language: agreement files write "Indonesian / English"
/// (docs/AGREEMENTS.md); a description without the separator is the same in both.
pub fn description_in(description: &str, english: bool) -> &str {
    match description.split_once(" / ") {
        Some((_, en)) if english => en.trim(),
        Some((id, _)) => id.trim(),
        None => description,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_other_than_tab_and_line_breaks_are_found() {
        assert_eq!(forbidden_control("Siti\u{0}"), Some('\u{0}'));
        assert_eq!(forbidden_control("a\u{1b}[31m"), Some('\u{1b}'));
        assert_eq!(forbidden_control("del\u{7f}"), Some('\u{7f}'));
        assert_eq!(forbidden_control("c1\u{85}"), Some('\u{85}'));
        assert_eq!(forbidden_control("line one\r\n\tline two"), None);
        assert_eq!(forbidden_control("Sri Wahyuni — Jepara, ñ, 日本"), None);
        assert!(control_message('\u{0}').contains("U+0000"));
    }

    #[test]
    fn file_names_lose_direction_and_control_characters() {
        assert_eq!(clean_file_name("visum\u{202E}fdp.exe"), "visumfdp.exe");
        assert_eq!(
            clean_file_name("\u{2066}a\u{2069}\u{200E}b\u{200F}.pdf"),
            "ab.pdf"
        );
        assert_eq!(clean_file_name(" surat\tresmi\n.docx "), "suratresmi.docx");
        assert_eq!(clean_file_name("laporan\u{0}.pdf"), "laporan.pdf");
        assert_eq!(
            clean_file_name("Berita Acara (1).pdf"),
            "Berita Acara (1).pdf"
        );
        assert_eq!(clean_file_name("\u{202E}\u{0}"), "");
    }
}
