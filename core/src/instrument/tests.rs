//! Loading, scoring and installing instruments.

use super::*;

const TEST_INSTRUMENT: &str = include_str!("../../instruments/test-instrument-1.json");

fn answers(yes: &[&str], instrument: &Instrument) -> Vec<RiskAnswer> {
    instrument
        .questions
        .iter()
        .map(|q| RiskAnswer {
            question_id: q.id.clone(),
            answer: if yes.contains(&q.id.as_str()) {
                Answer::Yes
            } else {
                Answer::No
            },
            comment: None,
        })
        .collect()
}

fn first_yes(n: usize, instrument: &Instrument) -> Vec<RiskAnswer> {
    let ids: Vec<&str> = instrument
        .questions
        .iter()
        .take(n)
        .map(|q| q.id.as_str())
        .collect();
    answers(&ids, instrument)
}

#[test]
fn dash_2009_ships_27_questions_with_unique_ids() {
    // The shipped file, not the registry: another test installs licensed wording there.
    let dash = built_in()
        .iter()
        .find(|i| i.id == "dash" && i.version == "2009")
        .unwrap();
    assert_eq!(dash.questions.len(), 27);
    assert_eq!(dash.scoring, Scoring::CountYes);
    assert!(
        dash.questions.iter().all(|q| q.text.is_none()),
        "no licensed wording shipped"
    );
}

#[test]
fn dash_bands_are_14_high_10_medium_else_standard() {
    let dash = find("dash", "2009").unwrap();
    for (yes, level) in [
        (0, RiskLevel::Standard),
        (9, RiskLevel::Standard),
        (10, RiskLevel::Medium),
        (13, RiskLevel::Medium),
        (14, RiskLevel::High),
        (27, RiskLevel::High),
    ] {
        assert_eq!(dash.suggested_level(&first_yes(yes, &dash)), level, "{yes}");
    }
}

#[test]
fn our_test_instrument_loads_with_sections_wording_and_weights() {
    let t = Instrument::from_json(TEST_INSTRUMENT).unwrap();
    assert_eq!((t.id.as_str(), t.version.as_str()), ("weprotect-test", "1"));
    assert_eq!(t.sections.len(), 2);
    assert!(t.questions.iter().all(|q| q.text.is_some()));
    // Weights 2, 5, 3, 1; bands medium at 4, high at 7.
    assert_eq!(
        t.suggested_level(&answers(&["t01_injury"], &t)),
        RiskLevel::Standard
    );
    assert_eq!(
        t.suggested_level(&answers(&["t01_injury", "t04_fear"], &t)),
        RiskLevel::Standard
    );
    assert_eq!(
        t.suggested_level(&answers(&["t02_strangulation"], &t)),
        RiskLevel::Medium
    );
    assert_eq!(
        t.suggested_level(&answers(&["t02_strangulation", "t01_injury"], &t)),
        RiskLevel::High
    );
}

/// The error for the test instrument with `from` replaced by `to`.
fn refused(from: &str, to: &str) -> InstrumentError {
    assert!(TEST_INSTRUMENT.contains(from), "{from}");
    Instrument::from_json(&TEST_INSTRUMENT.replacen(from, to, 1)).unwrap_err()
}

fn inconsistent_at(err: InstrumentError) -> (usize, usize, String) {
    match err {
        InstrumentError::Inconsistent {
            line, column, path, ..
        } => (line, column, path),
        other => panic!("expected an inconsistency, got {other}"),
    }
}

#[test]
fn consistency_errors_name_the_line_column_and_path_of_the_offending_value() {
    // The second question's id, made a duplicate of the first: line 21 of the file.
    let (line, column, path) = inconsistent_at(refused(
        "\"id\": \"t02_strangulation\"",
        "\"id\": \"t01_injury\"",
    ));
    assert_eq!(path, "questions[1].id");
    assert_eq!((line, column), (21, 13));
    let (line, _, path) =
        inconsistent_at(refused("\"section\": \"history\"", "\"section\": \"past\""));
    assert_eq!((line, path.as_str()), (24, "questions[1].section"));
    let (_, _, path) = inconsistent_at(refused("\"min_score\": 7", "\"min_score\": 3"));
    assert_eq!(path, "bands[1].min_score");
    let (_, _, path) = inconsistent_at(refused("\"min_score\": 0", "\"min_score\": 1"));
    assert_eq!(path, "bands");
    let (_, _, path) = inconsistent_at(refused("\"min_score\": 7", "\"min_score\": 12"));
    assert_eq!(
        path, "bands[2].min_score",
        "unreachable: the weights sum to 11"
    );
    let (_, _, path) = inconsistent_at(refused("\"weighted_yes\"", "\"count_yes\""));
    assert_eq!(path, "questions[0].weight");
    let (_, _, path) = inconsistent_at(refused("\"level\": \"high\"", "\"level\": \"medium\""));
    assert_eq!(path, "bands[2].level");
    let (_, _, path) = inconsistent_at(refused("\"t03_escalation\"", "\"T03 Escalation\""));
    assert_eq!(path, "questions[2].id");
    let (_, _, path) = inconsistent_at(refused("\"weight\": 5", "\"weight\": 0"));
    assert_eq!(path, "questions[1].weight");
}

#[test]
fn shape_errors_name_the_line_and_column() {
    let err = refused("\"weight\": 2", "\"weight\": 2, \"colour\": \"red\"");
    let InstrumentError::Malformed { line, message, .. } = err else {
        panic!("expected malformed")
    };
    assert_eq!(line, 18);
    assert!(message.contains("unknown field"), "{message}");
    let err = Instrument::from_json("{\n  \"id\": \"x\",\n  oops\n}").unwrap_err();
    assert!(
        matches!(err, InstrumentError::Malformed { line: 3, .. }),
        "{err}"
    );
    assert!(err.to_string().starts_with("line 3, column"), "{err}");
}

#[test]
fn installing_makes_an_instrument_known_and_a_conflicting_one_is_refused_unchanged() {
    let t = Instrument::from_json(TEST_INSTRUMENT).unwrap();
    install(t.clone()).unwrap();
    assert!(find("weprotect-test", "1").is_some());
    assert!(available().iter().any(|i| i.id == "dash"));
    // Same id and version, other scoring: refused, the first one stays.
    let mut other = t.clone();
    other.bands[1].min_score = 5;
    assert!(matches!(
        install(other),
        Err(InstrumentError::Conflict { .. })
    ));
    assert!(*find("weprotect-test", "1").unwrap() == t);
    // Licensed wording for DASH replaces the neutral labels without changing scoring.
    let mut licensed = find("dash", "2009").unwrap().as_ref().clone();
    licensed.questions[0].text = Some("Licensed wording (test)".into());
    install(licensed).unwrap();
    assert!(find("dash", "2009").unwrap().questions[0].text.is_some());
    let mut rescored = find("dash", "2009").unwrap().as_ref().clone();
    rescored.bands.iter_mut().for_each(|b| {
        if b.min_score == 14 {
            b.min_score = 15
        }
    });
    assert!(matches!(
        install(rescored),
        Err(InstrumentError::Conflict { .. })
    ));
}
