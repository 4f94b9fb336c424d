// Value equality for personal text and for the outbox's entries. SwiftUI diffs what it draws
// (`Equatable` views, `onChange(of:)`), so records an app keeps in its state compare by value.
// uniffi cannot derive it for records that hold an object, and personal text is an object
// (`PersonalText`), so it is written here: two personal texts are equal when their texts are;
// the comparison reads them inside this process and never prints them (their `description`
// stays `<redacted>`). `Hashable` too: the hash mixes the text into Swift's per-process,
// randomly seeded `Hasher`, which reveals nothing of it.
import Foundation
import WeProtectCore

extension PersonalText: Equatable, Hashable {
    /// Equal when the texts are equal (compared without printing either).
    public static func == (lhs: PersonalText, rhs: PersonalText) -> Bool {
        lhs === rhs || (try? lhs.reveal()) == (try? rhs.reveal())
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(try? reveal())
    }
}

extension OutboxEntry: Equatable, Hashable {
    /// Every field compared (a test checks the count against the generated record).
    public static func == (lhs: OutboxEntry, rhs: OutboxEntry) -> Bool {
        lhs.referralId == rhs.referralId && lhs.state == rhs.state && lhs.title == rhs.title
            && lhs.queuedAt == rhs.queuedAt && lhs.attempts == rhs.attempts
            && lhs.nextAttemptAt == rhs.nextAttemptAt && lhs.lastErrorCode == rhs.lastErrorCode
            && lhs.receipt == rhs.receipt && lhs.rejectionCode == rhs.rejectionCode
            && lhs.statuses == rhs.statuses && lhs.damaged == rhs.damaged
            && lhs.toFollow == rhs.toFollow && lhs.addenda == rhs.addenda
            && lhs.consentWithdrawn == rhs.consentWithdrawn
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(referralId)
        hasher.combine(state)
        hasher.combine(attempts)
        hasher.combine(statuses)
    }
}
