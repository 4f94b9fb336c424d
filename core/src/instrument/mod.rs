//! Risk instruments as data, not code.
//!
//! Question wording is copyrighted by its authors, so instruments ship as question ids, short
//! neutral labels of our own and scoring rules; a deploying organisation loads its own licensed
//! instrument, with its wording, as a data file ([`Instrument::from_json`] then [`install`]). A
//! referral names the instrument id and version it used, and every instrument stays known, so a
//! referral queued before an instrument changed still validates and sends.
//!
//! Loading is strict, because a wrong instrument silently mis-scores risk: unknown fields,
//! duplicate ids, questions in sections that do not exist, weights without weighted scoring and
//! bands out of order are refused with the line and column in the file, and nothing of a refused
//! file is kept. The built-in set is the police DASH (2009) checklist with its published bands
//! (14 or more "yes": high; 10 to 13: medium; otherwise standard). The College of Policing's
//! DARA is not built in: its structure is not published under an open licence (see
//! docs/validation.md); a force that holds a licence loads it like any other file.

mod locate;

use std::sync::{Arc, OnceLock, RwLock};

use serde::Deserialize;

use crate::model::{Answer, RiskAnswer, RiskLevel};
use locate::{Step, locate};

/// Most questions an instrument may have (a referral holds at most this many answers).
pub const MAX_QUESTIONS: usize = crate::validation::MAX_RISK_ANSWERS;

/// One question of an instrument.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable id, used in referrals (`a-z`, `0-9`, `_`).
    pub id: String,
    /// Short neutral label.
    pub label: String,
    /// The question's wording, as the deploying organisation is licensed to show it.
    #[serde(default)]
    pub text: Option<String>,
    /// The id of the section it belongs to.
    #[serde(default)]
    pub section: Option<String>,
    /// Its weight under `weighted_yes` scoring (1 when absent).
    #[serde(default)]
    pub weight: Option<u32>,
    /// What the question is about, when a referral's other answers must agree with it (a
    /// pregnancy, a strangulation flag). Wording differs between instruments; topics do not.
    #[serde(default)]
    pub topic: Option<Topic>,
}

/// What a question is about, for the rules that compare it with the rest of the referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Pregnancy or a new baby.
    Pregnancy,
    /// Strangulation, choking or suffocation.
    Strangulation,
    /// Threats to kill.
    ThreatsToKill,
    /// Stalking or harassment.
    Stalking,
}

/// A section (a heading grouping questions).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Stable id, referred to by questions.
    pub id: String,
    /// Heading shown to the officer.
    pub title: String,
}

/// How the answers give a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// The number of "yes" answers (DASH).
    CountYes,
    /// The sum of the weights of the questions answered "yes".
    WeightedYes,
}

/// A scoring band: a score of `min_score` or more suggests `level`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// The level suggested.
    pub level: RiskLevel,
    /// The lowest score that suggests it.
    pub min_score: u32,
    /// True for a band of local practice, not national guidance (DASH's 10-13 "yes" as
    /// medium): grading below it is a warning with a rationale, not an error.
    #[serde(default)]
    pub local: bool,
}

/// A risk instrument loaded from its data file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// Instrument id, e.g. `dash`.
    pub id: String,
    /// Version, e.g. `2009`.
    pub version: String,
    /// Display name.
    pub name: String,
    /// Free note on provenance.
    #[serde(default)]
    pub note: Option<String>,
    /// The licence under which the deploying organisation uses it.
    #[serde(default)]
    pub licence: Option<String>,
    /// How answers are scored.
    pub scoring: Scoring,
    /// Sections, in order (optional).
    #[serde(default)]
    pub sections: Vec<Section>,
    /// The questions, in order.
    pub questions: Vec<Question>,
    /// Scoring bands.
    pub bands: Vec<Band>,
}

/// Why an instrument file was refused. Positions are 1-based; instrument files hold no
/// personal data, so messages may name ids.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InstrumentError {
    /// Not JSON, or JSON of the wrong shape (an unknown field, a missing field, a wrong type).
    #[error("line {line}, column {column}: {message}")]
    Malformed {
        /// Line of the error.
        line: usize,
        /// Column of the error.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Well-formed but inconsistent (duplicate ids, bands out of order...).
    #[error("line {line}, column {column}: {path}: {problem}")]
    Inconsistent {
        /// Line of the offending value.
        line: usize,
        /// Column of the offending value.
        column: usize,
        /// Where in the document, e.g. `questions[3].id`.
        path: String,
        /// What is wrong.
        problem: String,
    },
    /// Another instrument with the same id and version but other questions or scoring is
    /// already known: referrals naming it would change meaning.
    #[error("instrument {id} {version} is already known with other questions or scoring")]
    Conflict {
        /// Instrument id.
        id: String,
        /// Version.
        version: String,
    },
}

impl Instrument {
    /// Loads and strictly checks an instrument from its JSON data.
    ///
    /// # Errors
    ///
    /// [`InstrumentError::Malformed`] or [`InstrumentError::Inconsistent`], with the position.
    pub fn from_json(json: &str) -> Result<Instrument, InstrumentError> {
        let instrument: Instrument =
            serde_json::from_str(json).map_err(|e| InstrumentError::Malformed {
                line: e.line(),
                column: e.column(),
                message: e.to_string().split(" at line ").next().unwrap_or("").into(),
            })?;
        instrument.check().map_err(|(path, problem)| {
            let (line, column) = locate(json, &path);
            InstrumentError::Inconsistent {
                line,
                column,
                path: path_text(&path),
                problem,
            }
        })?;
        Ok(instrument)
    }

    /// The consistency rules; the first failure with its path.
    fn check(&self) -> Result<(), (Vec<Step>, String)> {
        use Step::{Index, Key};
        let fail = |path: Vec<Step>, problem: &str| Err((path, problem.to_string()));
        if !is_slug(&self.id, 64, |b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'
        }) {
            return fail(vec![Key("id")], "an id is 1 to 64 of a-z, 0-9 and -");
        }
        if !is_slug(&self.version, 32, |b| {
            b.is_ascii_alphanumeric() || b == b'-' || b == b'.'
        }) {
            return fail(
                vec![Key("version")],
                "a version is 1 to 32 of A-Z, a-z, 0-9, . and -",
            );
        }
        if self.name.trim().is_empty() {
            return fail(vec![Key("name")], "the name is empty");
        }
        for (i, s) in self.sections.iter().enumerate() {
            if !is_question_id(&s.id) {
                return fail(
                    vec![Key("sections"), Index(i), Key("id")],
                    "a section id is 1 to 64 of a-z, 0-9 and _",
                );
            }
            if self.sections[..i].iter().any(|t| t.id == s.id) {
                return fail(
                    vec![Key("sections"), Index(i), Key("id")],
                    "duplicate section id",
                );
            }
            if s.title.trim().is_empty() {
                return fail(
                    vec![Key("sections"), Index(i), Key("title")],
                    "the title is empty",
                );
            }
        }
        if self.questions.is_empty() {
            return fail(vec![Key("questions")], "no questions");
        }
        if self.questions.len() > MAX_QUESTIONS {
            return fail(
                vec![Key("questions")],
                "more questions than a referral can answer (200)",
            );
        }
        for (i, q) in self.questions.iter().enumerate() {
            let at = |field| vec![Key("questions"), Index(i), Key(field)];
            if !is_question_id(&q.id) {
                return fail(at("id"), "a question id is 1 to 64 of a-z, 0-9 and _");
            }
            if self.questions[..i].iter().any(|p| p.id == q.id) {
                return fail(at("id"), "duplicate question id");
            }
            if q.label.trim().is_empty() || q.label.chars().count() > 200 {
                return fail(at("label"), "a label is 1 to 200 characters");
            }
            if q.text
                .as_ref()
                .is_some_and(|t| t.trim().is_empty() || t.chars().count() > 4000)
            {
                return fail(at("text"), "the wording is 1 to 4000 characters");
            }
            if let Some(section) = &q.section
                && !self.sections.iter().any(|s| &s.id == section)
            {
                return fail(at("section"), "no section has this id");
            }
            match (self.scoring, q.weight) {
                (Scoring::CountYes, Some(_)) => {
                    return fail(at("weight"), "a weight needs \"scoring\": \"weighted_yes\"");
                }
                (Scoring::WeightedYes, Some(w)) if !(1..=100).contains(&w) => {
                    return fail(at("weight"), "a weight is 1 to 100");
                }
                _ => {}
            }
        }
        if self.bands.is_empty() {
            return fail(vec![Key("bands")], "no bands");
        }
        for (i, b) in self.bands.iter().enumerate() {
            if self.bands[..i].iter().any(|c| c.level == b.level) {
                return fail(
                    vec![Key("bands"), Index(i), Key("level")],
                    "two bands for one level",
                );
            }
        }
        if !self.bands.iter().any(|b| b.min_score == 0) {
            return fail(vec![Key("bands")], "no band starts at a score of 0");
        }
        for (i, b) in self.bands.iter().enumerate() {
            let out_of_order = self.bands.iter().any(|c| {
                (c.level < b.level && c.min_score >= b.min_score)
                    || (c.level > b.level && c.min_score <= b.min_score)
            });
            if out_of_order {
                return fail(
                    vec![Key("bands"), Index(i), Key("min_score")],
                    "a higher level must need a higher score",
                );
            }
        }
        for (i, b) in self.bands.iter().enumerate() {
            if b.min_score > self.max_score() {
                return fail(
                    vec![Key("bands"), Index(i), Key("min_score")],
                    "no answers can reach this score",
                );
            }
        }
        Ok(())
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    fn weight(&self, q: &Question) -> u32 {
        match self.scoring {
            Scoring::CountYes => 1,
            Scoring::WeightedYes => q.weight.unwrap_or(1),
        }
    }

    fn max_score(&self) -> u32 {
        self.questions.iter().map(|q| self.weight(q)).sum()
    }

    /// The score the answers give: "yes" answers to this instrument's questions, counted or
    /// weighted (answers to other ids and repeated answers count once at most).
    pub fn score(&self, answers: &[RiskAnswer]) -> u32 {
        self.questions
            .iter()
            .filter(|q| {
                answers
                    .iter()
                    .any(|a| a.question_id == q.id && a.answer == Answer::Yes)
            })
            .map(|q| self.weight(q))
            .sum()
    }

    /// The level the answers alone give: the highest band whose threshold the score reaches.
    pub fn suggested_level(&self, answers: &[RiskAnswer]) -> RiskLevel {
        let score = self.score(answers);
        self.bands
            .iter()
            .filter(|b| score >= b.min_score)
            .map(|b| b.level)
            .max()
            .unwrap_or(RiskLevel::Standard)
    }

    /// The level the answers give under the national bands only (local bands left out): no
    /// officer may grade below it.
    pub fn national_level(&self, answers: &[RiskAnswer]) -> RiskLevel {
        let score = self.score(answers);
        self.bands
            .iter()
            .filter(|b| !b.local && score >= b.min_score)
            .map(|b| b.level)
            .max()
            .unwrap_or(RiskLevel::Standard)
    }

    /// The question about `topic`, if the instrument has one.
    pub fn question_on(&self, topic: Topic) -> Option<&Question> {
        self.questions.iter().find(|q| q.topic == Some(topic))
    }

    /// True when referrals scored by `other` mean the same under this one: same id, version,
    /// question ids in order, weights, scoring and band thresholds (wording, labels, topics and
    /// whether a band is local may differ: they change what is asked, not the score).
    fn scores_like(&self, other: &Instrument) -> bool {
        let ids = |i: &Instrument| -> Vec<(String, u32)> {
            i.questions
                .iter()
                .map(|q| (q.id.clone(), i.weight(q)))
                .collect()
        };
        let thresholds = |i: &Instrument| {
            let mut t: Vec<(RiskLevel, u32)> =
                i.bands.iter().map(|b| (b.level, b.min_score)).collect();
            t.sort();
            t
        };
        let (bands, other_bands) = (thresholds(self), thresholds(other));
        self.id == other.id
            && self.version == other.version
            && self.scoring == other.scoring
            && ids(self) == ids(other)
            && bands == other_bands
    }
}

fn is_slug(text: &str, max: usize, ok: impl Fn(u8) -> bool) -> bool {
    (1..=max).contains(&text.len()) && text.bytes().all(ok)
}

fn is_question_id(id: &str) -> bool {
    is_slug(id, 64, |b| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'
    })
}

fn path_text(path: &[Step]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(k);
            }
            Step::Index(i) => text.push_str(&format!("[{i}]")),
        }
    }
    text
}

const BUILT_IN: &[&str] = &[include_str!("../../instruments/dash-2009.json")];

fn built_in_arcs() -> &'static [Arc<Instrument>] {
    static LOADED: OnceLock<Vec<Arc<Instrument>>> = OnceLock::new();
    LOADED.get_or_init(|| built_in().iter().cloned().map(Arc::new).collect())
}

/// The built-in instruments (DASH 2009), as shipped: neutral labels, no licensed wording.
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

/// Instruments the deploying organisation installed in this process.
static INSTALLED: RwLock<Vec<Arc<Instrument>>> = RwLock::new(Vec::new());

/// Makes an instrument known to every validation in this process (drafts, submit, the form).
/// The host app loads its licensed instrument file once at start-up.
///
/// Installing an instrument with the id and version of a known one is allowed only when it
/// scores the same (same question ids, weights, scoring and bands): that is how a licensed
/// wording replaces the built-in neutral labels. Installing the same again is harmless.
///
/// # Errors
///
/// [`InstrumentError::Conflict`] when the id and version are known with other questions or
/// scoring; nothing changes.
pub fn install(instrument: Instrument) -> Result<(), InstrumentError> {
    let mut installed = INSTALLED.write().unwrap_or_else(|e| e.into_inner());
    let known = installed
        .iter()
        .chain(built_in_arcs())
        .find(|i| i.id == instrument.id && i.version == instrument.version);
    if let Some(known) = known
        && !known.scores_like(&instrument)
    {
        return Err(InstrumentError::Conflict {
            id: instrument.id,
            version: instrument.version,
        });
    }
    installed.retain(|i| !(i.id == instrument.id && i.version == instrument.version));
    installed.push(Arc::new(instrument));
    Ok(())
}

/// Every instrument known: installed ones first, then the built-in ones they do not replace.
pub fn available() -> Vec<Arc<Instrument>> {
    let installed = INSTALLED.read().unwrap_or_else(|e| e.into_inner());
    let mut all: Vec<Arc<Instrument>> = installed.clone();
    for b in built_in_arcs() {
        if !all.iter().any(|i| i.id == b.id && i.version == b.version) {
            all.push(b.clone());
        }
    }
    all
}

/// Finds an instrument by id and version: an installed one, else a built-in one.
pub fn find(id: &str, version: &str) -> Option<Arc<Instrument>> {
    let installed = INSTALLED.read().unwrap_or_else(|e| e.into_inner());
    installed
        .iter()
        .chain(built_in_arcs())
        .find(|i| i.id == id && i.version == version)
        .cloned()
}

#[cfg(test)]
mod tests;
