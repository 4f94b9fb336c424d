// needs: form-editor (compiled once the bindings export the DraftEditor; see xtask/src/swift.rs)
// What the form screen shows, computed from the core's form definition and the editor's
// snapshot. The app never lists a field or a rule: sections, fields, kinds, options, which
// fields are visible and required, and every problem come from the core. This file only joins
// the snapshot's concrete fields (`children[1].name`) to their definition (`children[].name`)
// and decides which messages to put under each field. Plain Swift: tested on Linux.
import Foundation
import WeProtectCore

/// One field as the screen draws it.
struct FieldRow: Identifiable {
    /// The concrete path (what `set` takes).
    let path: String
    /// The definition it is an instance of (label, hint, kind, options).
    let field: Field
    /// Must be filled now.
    let required: Bool
    /// The value as the officer typed it (text stays wrapped: it prints redacted).
    let value: FieldValue?
    /// The normalised form (E.164, `SW1A 1AA`), when the core gave one that differs from what
    /// was typed: shown under the field so the officer sees how it was understood.
    let normalised: PersonalText?
    /// Items in a repeatable group (0 for other fields).
    let itemCount: UInt32
    /// Messages under the field: problems always, "missing" ones only once the officer has
    /// tried to submit (an empty new form should not open covered in red).
    let messages: [String]

    var id: String { path }
    /// For an item field: which item (0-based), from the concrete path.
    var itemIndex: Int? { FormScreen.itemIndex(in: path) }
}

/// A section with its visible rows.
struct SectionRows: Identifiable {
    let id: String
    let title: String
    let rows: [FieldRow]
}

enum FormScreen {
    /// The sections and their visible rows, in the definition's order.
    static func sections(
        definition: FormDefinition, snapshot: FormSnapshot, showMissing: Bool
    ) -> [SectionRows] {
        var fieldByPath: [String: Field] = [:]
        var sectionOf: [String: String] = [:]
        for section in definition.sections {
            for field in section.fields {
                fieldByPath[field.path] = field
                sectionOf[field.path] = section.id
            }
        }
        var rowsBySection: [String: [FieldRow]] = [:]
        for state in snapshot.fields where state.visible {
            guard let field = fieldByPath[state.fieldPath], let section = sectionOf[state.fieldPath]
            else { continue }
            var messages = state.problems.map(\.message)
            if showMissing { messages += state.missing.map(\.message) }
            let typed = FormScreen.text(of: state.value)
            let normalised = state.normalised.flatMap {
                (try? $0.reveal()) == typed ? nil : $0
            }
            rowsBySection[section, default: []].append(
                FieldRow(
                    path: state.path, field: field, required: state.required, value: state.value,
                    normalised: normalised, itemCount: state.itemCount, messages: messages))
        }
        return definition.sections.compactMap { section in
            guard let rows = rowsBySection[section.id], !rows.isEmpty else { return nil }
            return SectionRows(id: section.id, title: section.label, rows: rows)
        }
    }

    /// "3 problems, 5 missing" for the submit bar; nil when the referral can be sent.
    static func summary(problemCount: Int, missingCount: Int) -> String? {
        var parts: [String] = []
        if problemCount > 0 { parts.append(plural(problemCount, "problem")) }
        if missingCount > 0 { parts.append("\(missingCount) missing") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// The text of a text-kind value (nil for other kinds), revealed for the control that
    /// shows it.
    static func text(of value: FieldValue?) -> String? {
        if case .text(let text)? = value { return try? text.reveal() }
        return nil
    }

    /// The item index of the innermost `[n]` in a concrete path, e.g. 1 for `children[1].name`.
    static func itemIndex(in path: String) -> Int? {
        guard let open = path.lastIndex(of: "["),
            let close = path[open...].firstIndex(of: "]")
        else { return nil }
        return Int(path[path.index(after: open)..<close])
    }
}
