// needs: form-editor (compiled once the bindings export the DraftEditor; see xtask/src/swift.rs)
// Short value constructors and value equality for the editor's records.
//
// Short constructors, as the Kotlin layer has them: `.text("07700 900123")` rather than
// `.text(text: try PersonalText(text: ...))`, `.yesNo(true)`, `.choice("police")`,
// `.choices([...])`, `.integer(3)`, `.clear`.
//
// Equality: `FormSnapshot`, `FieldState` and `FieldValue` compare by value, personal text by its
// text without printing it (PersonalTextEquality.swift says why and how).
import Foundation
import WeProtectCore

extension FieldValue {
    /// Text as typed (text, date, date-time, time, phone, postcode and email fields).
    public static func text(_ typed: String) throws -> FieldValue {
        .text(text: try PersonalText(text: typed))
    }

    /// A yes/no answer.
    public static func yesNo(_ yes: Bool) -> FieldValue { .yesNo(yes: yes) }

    /// One option of a choice field (its `value` in the definition).
    public static func choice(_ option: String) -> FieldValue { .choice(option: option) }

    /// Several options of a multi-choice field.
    public static func choices(_ options: [String]) -> FieldValue { .choices(options: options) }

    /// A whole number.
    public static func integer(_ value: Int64) -> FieldValue { .integer(value: value) }
}

extension FieldValue: Equatable, Hashable {
    public static func == (lhs: FieldValue, rhs: FieldValue) -> Bool {
        switch (lhs, rhs) {
        case (.text(let a), .text(let b)): return a == b
        case (.yesNo(let a), .yesNo(let b)): return a == b
        case (.choice(let a), .choice(let b)): return a == b
        case (.choices(let a), .choices(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.clear, .clear): return true
        case (.text, _), (.yesNo, _), (.choice, _), (.choices, _), (.integer, _), (.clear, _):
            return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .text(let text): hasher.combine(0); hasher.combine(text)
        case .yesNo(let yes): hasher.combine(1); hasher.combine(yes)
        case .choice(let option): hasher.combine(2); hasher.combine(option)
        case .choices(let options): hasher.combine(3); hasher.combine(options)
        case .integer(let value): hasher.combine(4); hasher.combine(value)
        case .clear: hasher.combine(5)
        }
    }
}

extension FieldState: Equatable, Hashable {
    /// Every field compared (a test checks the count against the generated record).
    public static func == (lhs: FieldState, rhs: FieldState) -> Bool {
        lhs.path == rhs.path && lhs.fieldPath == rhs.fieldPath && lhs.visible == rhs.visible
            && lhs.required == rhs.required && lhs.value == rhs.value
            && lhs.normalised == rhs.normalised && lhs.itemCount == rhs.itemCount
            && lhs.problems == rhs.problems && lhs.missing == rhs.missing
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(path)
        hasher.combine(value)
        hasher.combine(visible)
        hasher.combine(problems)
    }
}

extension FormSnapshot: Equatable, Hashable {
    /// Every field compared (a test checks the count against the generated record).
    public static func == (lhs: FormSnapshot, rhs: FormSnapshot) -> Bool {
        lhs.draftId == rhs.draftId && lhs.fields == rhs.fields && lhs.problems == rhs.problems
            && lhs.missing == rhs.missing && lhs.complete == rhs.complete
            && lhs.saved == rhs.saved && lhs.consentRefusedRoute == rhs.consentRefusedRoute
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(draftId)
        hasher.combine(fields)
        hasher.combine(complete)
    }
}

extension FormSnapshot {
    /// The state of the field at `path` in this snapshot, if the form has it.
    public func field(_ path: String) -> FieldState? {
        fields.first { $0.path == path }
    }
}
