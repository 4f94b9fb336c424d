//! Reading a referral document (JSON) before any rule runs.
//!
//! Three outcomes matter to callers (the CLI maps them to exit codes): not JSON at all (say
//! where), JSON of a schema version this build does not know, and JSON whose shape is wrong at
//! some path (a field of the wrong type, an unknown field, an unknown option). The shape error is
//! reported as a [`Problem`] with a path and a code; serde's own message is never passed on
//! because it quotes the offending value, which may be personal data.

use serde::de::DeserializeOwned;

use super::problem::Problem;
use crate::model::{READABLE_VERSIONS, Referral, v1};

/// Why a document could not be read as a referral.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// The text is not JSON.
    #[error("not valid JSON at line {line}, column {column}")]
    NotJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// `schema_version` is missing, or one this build does not know.
    #[error("{}", unknown_version_text(*found))]
    UnknownSchemaVersion {
        /// What the document said, if it said a number.
        found: Option<u64>,
    },
    /// JSON of the wrong shape for a referral.
    #[error("{0}")]
    Shape(Problem),
}

/// "unknown schema version 99 (this build reads versions 1, 2 and 3)": the version seen and the
/// versions read, and nothing else.
fn unknown_version_text(found: Option<u64>) -> String {
    let reads: Vec<String> = READABLE_VERSIONS.iter().map(u32::to_string).collect();
    let reads = match reads.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    match found {
        Some(v) => format!("unknown schema version {v} (this build reads versions {reads})"),
        None => format!("no schema version number (this build reads versions {reads})"),
    }
}

/// A referral read from a document of any version this build reads.
#[derive(Debug, Clone)]
pub struct ReadReferral {
    /// The referral, migrated to the current model (a version 1 document loses nothing).
    pub referral: Referral,
    /// The schema version the document was written in: its rules are the ones to apply.
    pub source_version: u32,
}

/// Parses referral JSON of any readable version and migrates it to the current model.
pub fn parse_referral(json: &str) -> Result<Referral, DocumentError> {
    read_referral(json).map(|read| read.referral)
}

/// Parses referral JSON: checks it is JSON, checks the schema version, reads the shape of that
/// version and migrates it to the current model, keeping the version it was written in.
pub fn read_referral(json: &str) -> Result<ReadReferral, DocumentError> {
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| DocumentError::NotJson {
            line: e.line(),
            column: e.column(),
        })?;
    if let Some(path) = super::duplicate_keys::first_duplicate_key(json) {
        return Err(DocumentError::Shape(Problem::new(
            &path,
            "document.duplicate_key",
            "This field appears twice in the document; each field may appear once.",
        )));
    }
    let version = value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64);
    let (referral, source_version) = match version {
        Some(1) if value.is_object() => (read_shape::<v1::Referral>(&value)?.into(), 1),
        Some(2) if value.is_object() => {
            let mut value = value;
            crate::model::v2_to_v3(&mut value);
            (read_shape::<Referral>(&value)?, 2)
        }
        Some(3) if value.is_object() => (read_shape::<Referral>(&value)?, 3),
        _ => return Err(DocumentError::UnknownSchemaVersion { found: version }),
    };
    Ok(ReadReferral {
        referral,
        source_version,
    })
}

/// Reads the shape of one schema version, reporting a wrong shape as a [`Problem`].
///
/// Reads from `&Value`, as the form editor does (`form::editor`): the model's whole
/// `Deserialize` code is instantiated once per deserializer type, and with the path tracking
/// around it that is tens of kilobytes of the phone library per extra instantiation. Strings are
/// copied out of the value instead of moved, which costs microseconds per referral.
fn read_shape<T: DeserializeOwned>(value: &serde_json::Value) -> Result<T, DocumentError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let inner = e.inner().to_string();
        let segments: Vec<&serde_path_to_error::Segment> = e.path().iter().collect();
        // For an unknown field the last segment is the key as typed, which may be anything
        // (even a name): report the object that holds it instead.
        let known = if inner.starts_with("unknown field") {
            &segments[..segments.len().saturating_sub(1)]
        } else {
            &segments[..]
        };
        let path = path_text(known);
        let (code, message) = if inner.starts_with("unknown field") {
            (
                "document.unknown_field",
                "This field is not part of the referral.",
            )
        } else if inner.starts_with("unknown variant") {
            (
                "document.unknown_option",
                "This is not one of the allowed options.",
            )
        } else if inner.starts_with("invalid type") {
            (
                "document.wrong_type",
                "This field has the wrong type (for example text where yes/no is expected).",
            )
        } else if inner.starts_with("missing field") {
            (
                "document.missing_field",
                "A field that must be present in the document is missing.",
            )
        } else {
            ("document.invalid_value", "This value cannot be read.")
        };
        DocumentError::Shape(Problem::new(&path, code, message))
    })
}

/// A path as `a.b[2].c`; only field names of the model and indexes reach here.
fn path_text(segments: &[&serde_path_to_error::Segment]) -> String {
    use serde_path_to_error::Segment;
    let mut text = String::new();
    for segment in segments {
        match segment {
            Segment::Seq { index } => text.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Segment::Unknown => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push('?');
            }
        }
    }
    if text.is_empty() {
        "referral".to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_json_says_where() {
        assert_eq!(
            parse_referral("{\n  \"a\": }"),
            Err(DocumentError::NotJson { line: 2, column: 8 })
        );
    }

    #[test]
    fn unknown_schema_versions_are_refused() {
        assert!(matches!(
            parse_referral(r#"{"schema_version": 99}"#),
            Err(DocumentError::UnknownSchemaVersion { found: Some(99) })
        ));
        assert!(matches!(
            parse_referral(r#"[]"#),
            Err(DocumentError::UnknownSchemaVersion { found: None })
        ));
    }

    #[test]
    fn shape_errors_give_a_path_and_never_quote_the_value() {
        let err = parse_referral(
            r#"{"schema_version":1,"victim":{"interpreter_required":"SECRET-NAME"}}"#,
        )
        .unwrap_err();
        let DocumentError::Shape(p) = err else {
            panic!("expected a shape error")
        };
        assert_eq!(p.path, "victim.interpreter_required");
        assert_eq!(p.code, "document.wrong_type");
        assert!(!format!("{p}").contains("SECRET"));

        let err = parse_referral(
            r#"{"schema_version":1,"perpetrator":{"relationship_to_victim":"SECRET"}}"#,
        )
        .unwrap_err();
        let DocumentError::Shape(p) = err else {
            panic!("expected a shape error")
        };
        assert_eq!(p.code, "document.unknown_option");
        assert!(!p.message.contains("SECRET"));
    }

    fn unknown_field_path(json: &str) -> String {
        let Err(DocumentError::Shape(p)) = parse_referral(json) else {
            panic!("expected a shape error")
        };
        assert_eq!(p.code, "document.unknown_field");
        assert!(!format!("{p}").contains("Jane"));
        p.path
    }

    #[test]
    fn an_unknown_field_is_reported_at_its_object_without_echoing_the_key() {
        let victim = unknown_field_path(r#"{"schema_version":1,"victim":{"Jane Doe 07700":1}}"#);
        assert_eq!(victim, "victim");
        let child = unknown_field_path(r#"{"schema_version":1,"children":[{},{"Jane":1}]}"#);
        assert_eq!(child, "children[1]");
        let root = unknown_field_path(r#"{"schema_version":1,"Jane":1}"#);
        assert_eq!(root, "referral");
    }

    #[test]
    fn empty_documents_of_both_versions_are_empty_drafts_of_the_current_version() {
        for json in [r#"{"schema_version":1}"#, r#"{"schema_version":2}"#] {
            let read = read_referral(json).unwrap();
            assert_eq!(read.referral.schema_version, crate::SCHEMA_VERSION);
        }
        assert_eq!(
            read_referral(r#"{"schema_version":1}"#)
                .unwrap()
                .source_version,
            1
        );
    }

    #[test]
    fn an_unknown_version_names_the_version_seen_and_the_versions_read() {
        let err = parse_referral(r#"{"schema_version": 4}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown schema version 4 (this build reads versions 1, 2 and 3)"
        );
        let err = parse_referral(r#"{"schema_version": "2"}"#).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no schema version number (this build reads versions 1, 2 and 3)"
        );
    }

    #[test]
    fn a_version_1_document_is_read_with_the_version_1_shape() {
        // A field that only version 2 has is unknown in a version 1 document.
        let Err(DocumentError::Shape(p)) =
            parse_referral(r#"{"schema_version":1,"perpetrator":{"sex":"male"}}"#)
        else {
            panic!("expected a shape error")
        };
        assert_eq!(
            (p.path.as_str(), p.code.as_str()),
            ("perpetrator", "document.unknown_field")
        );
        // Version 1's free-text orders are text there, a list in version 2.
        assert!(
            parse_referral(r#"{"schema_version":1,"incident":{"existing_orders":"x"}}"#).is_ok()
        );
        assert!(
            parse_referral(r#"{"schema_version":2,"incident":{"existing_orders":"x"}}"#).is_err()
        );
    }
}
