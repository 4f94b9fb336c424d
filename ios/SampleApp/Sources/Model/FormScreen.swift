// needs: form-editor (compiled once the bindings export the DraftEditor; see xtask/src/swift.rs)
// What the form screen shows, computed from the core's form definition and the editor's
// snapshot. The app never lists a field or a rule: sections, fields, kinds, options, which
// fields are visible and required, and every problem come from the core. This file only joins
// the snapshot's concrete fields (`children[1].name`) to their definition (`children[].name`)
// and decides what goes under each field: every finding drawn as its kind asks (an error to
// fix, a "to follow" item sent on the to-follow list, a warning to confirm before sending),
// fields the profile or the organisation filled collapsed but editable, the searchable picker
// of fields with suggestions. Plain Swift: tested on Linux.
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
    /// Messages under the field: problems always, to-follow items from the start, other
    /// "missing" ones only once the officer has tried to submit (an empty new form should not
    /// open covered in red).
    let messages: [FieldMessage]
    /// Filled from the profile or the organisation, holding a value and nothing wrong with it:
    /// drawn as one line with "Change" (still editable).
    let collapsed: Bool

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

/// How a message under a field is drawn.
enum MessageStyle: Hashable, Sendable {
    /// Must be fixed before sending: red.
    case error
    /// Unknown at the scene: sent on the to-follow list; neutral.
    case toFollow
    /// Unusual: asked to confirm before sending.
    case confirm
}

/// One message under a field: its style and words (the core's message, never a value).
struct FieldMessage: Hashable, Sendable {
    let style: MessageStyle
    let text: String

    init(style: MessageStyle, text: String) {
        self.style = style
        self.text = text
    }

    init(problem: Problem) {
        switch problem.kind {
        case .error: self.init(style: .error, text: problem.message)
        case .toFollow: self.init(style: .toFollow, text: "To follow: \(problem.message)")
        case .warning: self.init(style: .confirm, text: "Please check: \(problem.message)")
        }
    }
}

/// What pressing "Send" does.
enum SendStep {
    /// Errors stop sending.
    case fix(errors: Int)
    /// Warnings only: confirm these, then send.
    case confirm(warnings: [Problem], toFollow: Int)
    /// Send; `toFollow` items go on the to-follow list.
    case send(toFollow: Int)
}

enum FormScreen {
    /// The sections and their visible rows, in the definition's order.
    static func sections(
        definition: FormDefinition, snapshot: FormSnapshot, showMissing: Bool
    ) -> [SectionRows] {
        sections(definition: definition, states: snapshot.fields.filter(\.visible)) { field, state in
            row(
                field, state, messages: messages(state, showMissing: showMissing),
                required: state.required, collapsed: startsCollapsed(field, state))
        }
    }

    /// The rows of `states` grouped by the definition's sections, in its order; `row` decides
    /// what goes under each field (the draft form and the follow-up screen differ there only).
    static func sections(
        definition: FormDefinition, states: [FieldState], row: (Field, FieldState) -> FieldRow
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
        for state in states {
            guard let field = fieldByPath[state.fieldPath], let section = sectionOf[state.fieldPath]
            else { continue }
            rowsBySection[section, default: []].append(row(field, state))
        }
        return definition.sections.compactMap { section in
            guard let rows = rowsBySection[section.id], !rows.isEmpty else { return nil }
            return SectionRows(id: section.id, title: section.label, rows: rows)
        }
    }

    /// One field's row: what was typed, and its normalised form when the core understood it
    /// differently.
    static func row(
        _ field: Field, _ state: FieldState, messages: [FieldMessage], required: Bool,
        collapsed: Bool
    ) -> FieldRow {
        let typed = FormScreen.text(of: state.value)
        let normalised = state.normalised.flatMap { (try? $0.reveal()) == typed ? nil : $0 }
        return FieldRow(
            path: state.path, field: field, required: required, value: state.value,
            normalised: normalised, itemCount: state.itemCount, messages: messages,
            collapsed: collapsed)
    }

    /// The messages under one field, each with its style.
    static func messages(_ state: FieldState, showMissing: Bool) -> [FieldMessage] {
        let missing = showMissing ? state.missing : state.missing.filter { $0.kind == .toFollow }
        return (state.problems + missing).map(FieldMessage.init(problem:))
    }

    /// A field filled from the profile or the organisation starts collapsed while it holds a
    /// value with no finding; empty or flagged, it is open so nothing to see is hidden.
    static func startsCollapsed(_ field: Field, _ state: FieldState) -> Bool {
        field.filledFrom != nil && state.value != nil && state.problems.isEmpty && state.missing.isEmpty
    }

    /// "From your profile" / "From your organisation" under a collapsed field.
    static func filledFromLabel(_ field: Field) -> String? {
        switch field.filledFrom {
        case nil: nil
        case "profile"?: "From your profile"
        case "organisation"?: "From your organisation"
        default: "Filled in for you"
        }
    }

    /// What "Send" does: fix errors first, then confirm warnings, then send.
    static func sendStep(_ findings: [Problem]) -> SendStep {
        let errors = findings.filter { $0.kind == .error }.count
        let toFollow = findings.filter { $0.kind == .toFollow }.count
        let warnings = findings.filter { $0.kind == .warning }
        if errors > 0 { return .fix(errors: errors) }
        if !warnings.isEmpty { return .confirm(warnings: warnings, toFollow: toFollow) }
        return .send(toFollow: toFollow)
    }

    /// The send bar's line ("2 to fix", "1 to confirm, 1 to follow"); nil when ready.
    static func summary(_ step: SendStep) -> String? {
        switch step {
        case .fix(let errors): return "\(errors) to fix"
        case .confirm(let warnings, let toFollow):
            return (["\(warnings.count) to confirm"] + (toFollow > 0 ? ["\(toFollow) to follow"] : []))
                .joined(separator: ", ")
        case .send(let toFollow): return toFollow > 0 ? "\(toFollow) to follow" : nil
        }
    }

    /// The suggestions matching `query` for the searchable picker: every word of the query
    /// starts a word of the label, or the query is the option's value (a code someone knows);
    /// labels starting with the query first. A blank query lists all.
    static func search(_ options: [ChoiceOption], _ query: String) -> [ChoiceOption] {
        func words(_ s: String) -> [String] {
            s.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init)
        }
        let asked = words(query)
        guard !asked.isEmpty else { return options }
        let q = query.trimmingCharacters(in: .whitespaces).lowercased()
        let hits = options.filter { o in
            o.value.lowercased() == q || asked.allSatisfy { w in words(o.label).contains { $0.hasPrefix(w) } }
        }
        let first = hits.filter { $0.label.lowercased().hasPrefix(q) || $0.value.lowercased() == q }
        return first + hits.filter { h in !first.contains { $0.value == h.value } }
    }

    /// The label of the suggestion a field holds (its value is the option's `value`).
    static func suggestionLabel(_ field: Field, _ value: String?) -> String? {
        field.suggestions.first { $0.value == value }?.label
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
