//! Risk instruments as data, not code.
//!
//! Question wording is copyrighted by its authors, so instruments ship as question ids, short
//! neutral labels of our own and scoring bands; a deploying organisation may load its licensed
//! wording on top. A referral names the instrument id and version it used, and the registry keeps
//! every version it was given, so a referral queued before an instrument changed still validates
//! and sends. The built-in set is the police DASH (2009) checklist with its published bands
//! (14 or more "yes": high; 10 to 13: medium; otherwise standard).

use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::{Answer, RiskAnswer, RiskLevel};

/// One question of an instrument.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable id, used in referrals.
    pub id: String,
    /// Short neutral label (our own words, not the licensed wording).
    pub label: String,
}

/// A scoring band: `min_yes` or more "yes" answers suggest `level`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// The level suggested.
    pub level: RiskLevel,
    /// The fewest "yes" answers that suggest it.
    pub min_yes: u32,
}

/// A risk instrument loaded from its data file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// Instrument id, e.g. `dash`.
    pub id: String,
    /// Version, e.g. `2009`.
    pub version: String,
    /// Display name.
    pub name: String,
    /// Free note on provenance and licensing.
    #[serde(default)]
    pub note: Option<String>,
    /// The questions, in order.
    pub questions: Vec<Question>,
    /// Scoring bands.
    pub bands: Vec<Band>,
}

/// Why an instrument file was refused.
#[derive(Debug, thiserror::Error)]
pub enum InstrumentError {
    /// Not valid instrument JSON.
    #[error("instrument file is not valid instrument JSON at line {line}, column {column}")]
    Malformed {
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
    },
    /// Structurally valid but inconsistent.
    #[error("instrument file is inconsistent: {0}")]
    Inconsistent(&'static str),
}

impl Instrument {
    /// Loads and checks an instrument from its JSON data.
    pub fn from_json(json: &str) -> Result<Instrument, InstrumentError> {
        let instrument: Instrument =
            serde_json::from_str(json).map_err(|e| InstrumentError::Malformed {
                line: e.line(),
                column: e.column(),
            })?;
        if instrument.questions.is_empty() {
            return Err(InstrumentError::Inconsistent("no questions"));
        }
        let mut ids: Vec<&str> = instrument.questions.iter().map(|q| q.id.as_str()).collect();
        ids.sort_unstable();
        if ids.windows(2).any(|w| w[0] == w[1]) {
            return Err(InstrumentError::Inconsistent("duplicate question id"));
        }
        if !instrument.bands.iter().any(|b| b.min_yes == 0) {
            return Err(InstrumentError::Inconsistent("no band starts at zero"));
        }
        Ok(instrument)
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    /// The level the answers alone suggest: the highest band whose threshold the count of
    /// "yes" answers to this instrument's questions reaches.
    pub fn suggested_level(&self, answers: &[RiskAnswer]) -> RiskLevel {
        let yes = self
            .questions
            .iter()
            .filter(|q| {
                answers
                    .iter()
                    .any(|a| a.question_id == q.id && a.answer == Answer::Yes)
            })
            .count() as u32;
        self.bands
            .iter()
            .filter(|b| yes >= b.min_yes)
            .map(|b| b.level)
            .max()
            .unwrap_or(RiskLevel::Standard)
    }
}

const BUILT_IN: &[&str] = &[include_str!("../../instruments/dash-2009.json")];

/// The built-in instruments.
pub fn built_in() -> &'static [Instrument] {
    static LOADED: OnceLock<Vec<Instrument>> = OnceLock::new();
    LOADED.get_or_init(|| {
        BUILT_IN
            .iter()
            .map(|json| {
                Instrument::from_json(json).expect("built-in instrument files are checked by tests")
            })
            .collect()
    })
}

/// Finds a built-in instrument by id and version.
pub fn find(id: &str, version: &str) -> Option<&'static Instrument> {
    built_in()
        .iter()
        .find(|i| i.id == id && i.version == version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(yes: usize, instrument: &Instrument) -> Vec<RiskAnswer> {
        instrument
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| RiskAnswer {
                question_id: q.id.clone(),
                answer: if i < yes { Answer::Yes } else { Answer::No },
                comment: None,
            })
            .collect()
    }

    #[test]
    fn dash_2009_ships_27_questions_with_unique_ids() {
        let dash = find("dash", "2009").unwrap();
        assert_eq!(dash.questions.len(), 27);
    }

    #[test]
    fn dash_bands_are_14_high_10_medium_else_standard() {
        let dash = find("dash", "2009").unwrap();
        assert_eq!(dash.suggested_level(&answers(0, dash)), RiskLevel::Standard);
        assert_eq!(dash.suggested_level(&answers(9, dash)), RiskLevel::Standard);
        assert_eq!(dash.suggested_level(&answers(10, dash)), RiskLevel::Medium);
        assert_eq!(dash.suggested_level(&answers(13, dash)), RiskLevel::Medium);
        assert_eq!(dash.suggested_level(&answers(14, dash)), RiskLevel::High);
        assert_eq!(dash.suggested_level(&answers(27, dash)), RiskLevel::High);
    }

    #[test]
    fn instrument_files_with_duplicate_ids_are_refused() {
        let json = r#"{"id":"x","version":"1","name":"x","questions":[{"id":"a","label":"A"},{"id":"a","label":"B"}],"bands":[{"level":"standard","min_yes":0}]}"#;
        assert!(matches!(
            Instrument::from_json(json),
            Err(InstrumentError::Inconsistent(_))
        ));
    }
}
