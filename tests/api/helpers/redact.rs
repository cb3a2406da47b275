//! Redactions for snapshots: what changes from run to run (ids, instants, hashes, request ids, the
//! current year) is replaced by a placeholder, so that one snapshot holds on both backends and on
//! any day.

use chrono::Datelike;
use serde_json::Value;

/// The current year, as exports and case numbers show it.
fn this_year() -> String {
    chrono::Utc::now().year().to_string()
}

/// `text` with the current year written as `[year]` (statistics periods, case numbers).
pub fn redact_year(text: &str) -> String {
    text.replace(&this_year(), "[year]")
}

/// Whether `key` names an id (`id`, `…_id`).
fn is_id(key: &str) -> bool {
    key == "id" || key.ends_with("_id")
}

/// Whether `text` is an instant as Rujukan writes them (`2026-12-01T09:13:23.330661`, RFC 3339).
fn is_instant(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 19
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[10] == b'T'
}

/// A JSON value with ids, instants and the current year redacted, at any depth.
pub fn redact_value(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, v)| {
                    let redacted = match v {
                        Value::Number(_) if is_id(key) => "[id]".into(),
                        Value::String(id) if is_id(key) && !id.is_empty() => "[id]".into(),
                        _ => redact_value(v),
                    };
                    (key.clone(), redacted)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_value).collect()),
        Value::String(text) if is_instant(text) => "[instant]".into(),
        Value::String(text) => redact_year(text).into(),
        other => other.clone(),
    }
}

/// A JSON document kept as text (an audit entry's `details`), redacted like [`redact_value`].
pub fn redact_json_text(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(value) => redact_value(&value).to_string(),
        Err(_) => redact_year(text),
    }
}

/// An audit trail entry as exported, with what changes between runs redacted: ids, instants,
/// hashes, request ids and the details' ids and instants.
pub fn redact_audit_entry(entry: &Value) -> Value {
    let mut redacted = redact_value(entry);
    if let Some(map) = redacted.as_object_mut() {
        for key in ["hash", "prev_hash"] {
            if map
                .get(key)
                .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()))
            {
                map.insert(key.to_owned(), "[hash]".into());
            }
        }
        if map
            .get("request_id")
            .is_some_and(|v| v.as_str().is_some_and(|s| !s.is_empty()))
        {
            map.insert("request_id".to_owned(), "[request_id]".into());
        }
        if let Some(details) = entry["details"].as_str() {
            map.insert("details".to_owned(), redact_json_text(details).into());
        }
    }
    redacted
}

/// A CSV export with a header row, each row redacted like [`redact_audit_entry`] (cells by
/// their column's name), written back as CSV.
pub fn redact_audit_csv(text: &str) -> String {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().expect("CSV header").clone();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).expect("CSV written");
    for record in reader.records() {
        let record = record.expect("CSV row");
        let entry: serde_json::Map<String, Value> = header
            .iter()
            .zip(record.iter())
            .map(|(key, cell)| (key.to_owned(), Value::String(cell.to_owned())))
            .collect();
        let redacted = redact_audit_entry(&Value::Object(entry));
        let cells: Vec<String> = header
            .iter()
            .map(|key| match &redacted[key] {
                Value::String(cell) => cell.clone(),
                other => other.to_string(),
            })
            .collect();
        writer.write_record(&cells).expect("CSV written");
    }
    String::from_utf8(writer.into_inner().expect("CSV flushed")).expect("CSV is UTF-8")
}
