//! Finding where a value sits in JSON text, so a load error names the line and column.
//!
//! serde_json gives a position for syntax and type errors, but the consistency checks run after
//! parsing (duplicate ids, unknown sections, bands out of order), when positions are gone. This
//! walks the text once more, with a minimal scanner, to the value at a path such as
//! `questions[3].id`. The text has already parsed as JSON, so the scanner can be simple.

/// A step of a path: a key of an object or an index of an array.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    Key(&'static str),
    Index(usize),
}

/// 1-based line and column (in characters) of the value at `path`, or of the nearest enclosing
/// value that exists.
pub(crate) fn locate(text: &str, path: &[Step]) -> (usize, usize) {
    let bytes = text.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    for step in path {
        match find_child(bytes, pos, step) {
            Some(child) => pos = child,
            None => break,
        }
    }
    line_column(text, pos)
}

fn line_column(text: &str, pos: usize) -> (usize, usize) {
    let before = &text[..pos.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// The end (exclusive) of the string starting at the quote at `i`, and its raw contents.
fn scan_string(b: &[u8], i: usize) -> (usize, &[u8]) {
    let mut j = i + 1;
    while j < b.len() && b[j] != b'"' {
        if b[j] == b'\\' {
            j += 1;
        }
        j += 1;
    }
    (j + 1, &b[(i + 1).min(b.len())..j.min(b.len())])
}

/// The end (exclusive) of the value starting at `i`.
fn skip_value(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => scan_string(b, i).0,
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = scan_string(b, j).0;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return j + 1;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            j
        }
        _ => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !b[j].is_ascii_whitespace()
            {
                j += 1;
            }
            j
        }
    }
}

/// The start of the child value named by `step` in the container starting at `i`.
fn find_child(b: &[u8], i: usize, step: &Step) -> Option<usize> {
    match (b.get(i)?, step) {
        (b'{', Step::Key(key)) => {
            let mut j = skip_ws(b, i + 1);
            while b.get(j) == Some(&b'"') {
                let (end, name) = scan_string(b, j);
                j = skip_ws(b, end);
                j = skip_ws(b, j + 1); // the colon
                if name == key.as_bytes() {
                    return Some(j);
                }
                j = skip_ws(b, skip_value(b, j));
                if b.get(j) == Some(&b',') {
                    j = skip_ws(b, j + 1);
                }
            }
            None
        }
        (b'[', Step::Index(index)) => {
            let mut j = skip_ws(b, i + 1);
            let mut n = 0;
            while j < b.len() && b[j] != b']' {
                if n == *index {
                    return Some(j);
                }
                j = skip_ws(b, skip_value(b, j));
                if b.get(j) == Some(&b',') {
                    j = skip_ws(b, j + 1);
                }
                n += 1;
            }
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_key_and_index_with_strings_containing_brackets() {
        let text = "{\n  \"a\": \"x]},\\\"\",\n  \"list\": [\n    {\"id\": 1},\n    {\"id\": 2, \"b\": [1, 2]}\n  ]\n}";
        assert_eq!(
            locate(text, &[Step::Key("list"), Step::Index(1), Step::Key("b")]),
            (5, 20)
        );
        assert_eq!(locate(text, &[Step::Key("list"), Step::Index(0)]), (4, 5));
        // A missing step stops at the nearest value that exists.
        assert_eq!(locate(text, &[Step::Key("list"), Step::Index(7)]), (3, 11));
        assert_eq!(locate(text, &[]), (1, 1));
    }
}
