// needs: form-editor (compiled once the bindings export the DraftEditor; see xtask/src/swift.rs)
// Turning what a control produced into the value the core takes. Dates and times travel as the
// text the core parses (a date-time keeps its UTC offset, which `Date` would lose), written in
// Europe/London as UK officers read clocks. Plain Swift: tested on Linux.
import Foundation
import WeProtectCore

enum FieldInput {
    static let london = TimeZone(identifier: "Europe/London")!

    /// `YYYY-MM-DD` of `date` in London.
    static func dateText(_ date: Date) -> String {
        format(date, "yyyy-MM-dd")
    }

    /// RFC 3339 with the London offset, e.g. `2026-07-01T21:40:00+01:00`.
    static func dateTimeText(_ date: Date) -> String {
        format(date, "yyyy-MM-dd'T'HH:mm:ssxxx")
    }

    /// `HH:MM` of `date` in London.
    static func timeOfDayText(_ date: Date) -> String {
        format(date, "HH:mm")
    }

    /// The date a date field holds (`YYYY-MM-DD`, midnight in London), for the picker; nil when
    /// the field is empty or holds something else (the picker then shows "Not set", never today).
    static func date(fromDateText text: String) -> Date? {
        parse(text, ["yyyy-MM-dd"])
    }

    /// The instant a date-time field holds (RFC 3339 with its offset, seconds optional).
    static func date(fromDateTimeText text: String) -> Date? {
        parse(text, ["yyyy-MM-dd'T'HH:mm:ssxxx", "yyyy-MM-dd'T'HH:mmxxx", "yyyy-MM-dd'T'HH:mm:ssX", "yyyy-MM-dd'T'HH:mmX"])
    }

    /// A time of day (`HH:MM`) as that time on 1 January 2000 in London (the picker shows only
    /// the time).
    static func date(fromTimeOfDayText text: String) -> Date? {
        parse("2000-01-01 " + text, ["yyyy-MM-dd HH:mm"]).flatMap { text.isEmpty ? nil : $0 }
    }

    /// A whole number typed in a number field, or nil when it is not one (the field then shows
    /// "Enter a whole number" and sends nothing).
    static func integer(_ text: String) -> Int64? {
        Int64(text.trimmingCharacters(in: .whitespaces))
    }

    /// Text as typed (wrapped, so it prints redacted); an emptied field clears the value
    /// rather than storing "". Throws only if the core fails (every export throws, never traps).
    static func text(_ text: String) throws -> FieldValue {
        try text.isEmpty ? .clear : .text(text: PersonalText(text: text))
    }

    private static func parse(_ text: String, _ patterns: [String]) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for pattern in patterns {
            let f = formatter(pattern)
            if let date = f.date(from: trimmed) { return date }
        }
        return nil
    }

    private static func formatter(_ pattern: String) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.calendar = Calendar(identifier: .gregorian)
        f.timeZone = london
        f.dateFormat = pattern
        f.isLenient = false
        return f
    }

    private static func format(_ date: Date, _ pattern: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.calendar = Calendar(identifier: .gregorian)
        f.timeZone = london
        f.dateFormat = pattern
        return f.string(from: date)
    }
}
