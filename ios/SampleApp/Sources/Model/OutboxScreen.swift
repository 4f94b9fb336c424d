// What the outbox screen shows: each referral's state, its receipt and the service's status
// updates, what is still to follow and what was sent after it (issue 23: by the form's labels,
// never paths or values), and the banner that asks the officer to sign in. Officers must never
// see raw HTTP errors (a weak spot of other offline form apps): codes become plain sentences
// here. The referral's title is personal and stays wrapped until the view reveals it.
import Foundation
import WeProtectCore

struct OutboxRow: Identifiable {
    let id: String
    /// The incident or case reference, never a name; nil once delivered (the core purges it).
    let title: PersonalText?
    let state: OutboxState
    /// "Waiting to send", "Delivered", "Refused by the service".
    let stateLabel: String
    /// One line under the state: the receipt, the next attempt, or why it was refused.
    let detail: String?
    /// The service's status updates, newest first, as sentences.
    let statuses: [String]
    /// "Consent withdrawn" once a withdrawal was recorded here or by the service; nil before.
    let consent: String?
    /// "2 to follow: Crime reference, Date of birth"; nil when nothing is to follow.
    let toFollow: String?
    /// Information and withdrawals sent after it, oldest first, each with its state.
    let addenda: [String]
    /// Offer "Add information" (items to follow, not refused, consent not withdrawn).
    let canFollowUp: Bool
    /// Offer "Consent withdrawn…" (not refused, not withdrawn already, here or at the service).
    let canWithdraw: Bool
}

enum OutboxScreen {
    static func rows(_ entries: [OutboxEntry], now: Date, labels: FieldLabels) -> [OutboxRow] {
        entries.reversed().map { entry in
            OutboxRow(
                id: entry.referralId, title: entry.title, state: entry.state,
                stateLabel: stateLabel(entry.state), detail: detail(entry, now: now),
                statuses: entry.statuses.reversed().map { statusLabel($0.status) },
                consent: FollowUpScreen.consentLine(entry),
                toFollow: FollowUpScreen.toFollowLine(entry, labels: labels),
                addenda: entry.addenda.map { FollowUpScreen.addendumLine($0, labels: labels) },
                canFollowUp: FollowUpScreen.canFollowUp(entry),
                canWithdraw: FollowUpScreen.canWithdraw(entry))
        }
    }

    static func stateLabel(_ state: OutboxState) -> String {
        switch state {
        case .queued: return "Waiting to send"
        case .delivered: return "Delivered"
        case .rejected: return "Refused by the service"
        }
    }

    static func detail(_ entry: OutboxEntry, now: Date) -> String? {
        switch entry.state {
        case .delivered:
            guard let receipt = entry.receipt else { return nil }
            return "Reference \(receipt.serviceReference), received \(timestamp(receipt.receivedAt))"
        case .rejected:
            return "Reason: \(reasonLabel(entry.rejectionCode)). Open it to correct and send again."
        case .queued:
            guard entry.attempts > 0 else { return "Sends as soon as there is signal" }
            let tries = plural(Int(entry.attempts), "attempt")
            if let next = entry.nextAttemptAt, next > now {
                return "\(tries) so far; next try \(timestamp(next))"
            }
            return "\(tries) so far; trying again"
        }
    }

    /// The banner over the outbox: sign-in first (nothing can leave without it), else nothing.
    /// `followUps`: addenda waiting (`counts` has referrals only), so a follow-up that waits
    /// alone still asks for the sign-in.
    static func banner(counts: StoreCounts, needsSignIn: Bool, followUps: UInt32 = 0) -> String? {
        guard needsSignIn, counts.queued + followUps > 0 else { return nil }
        let parts = [
            counts.queued > 0 ? plural(Int(counts.queued), "referral") : nil,
            followUps > 0 ? plural(Int(followUps), "follow-up") : nil,
        ]
        return "Sign in to send " + parts.compactMap { $0 }.joined(separator: " and ")
    }

    /// Addenda (information and withdrawals) waiting to be delivered.
    static func waitingFollowUps(_ entries: [OutboxEntry]) -> UInt32 {
        UInt32(entries.reduce(0) { sum, entry in sum + entry.addenda.filter { $0.state == .queued }.count })
    }

    /// The service's status codes as sentences; an unknown code is shown readable, not hidden.
    static func statusLabel(_ code: String) -> String {
        switch code {
        case "received": return "Received by the service"
        case "advisor_assigned": return "A legal advisor has been assigned"
        case "victim_contacted": return "The advisor has contacted the victim"
        case "could_not_contact": return "The advisor could not make contact yet"
        case "legal_aid_applied": return "Legal aid has been applied for"
        case "order_applied": return "A protective order has been applied for"
        case "order_granted": return "A protective order has been granted"
        case "closed": return "The service has closed the case"
        case "consent_withdrawn": return "Consent withdrawn: the service has stopped and deleted the referral"
        default: return code.replacingOccurrences(of: "_", with: " ").capitalizedFirst
        }
    }

    static func reasonLabel(_ code: String?) -> String {
        guard let code else { return "not given" }
        return code.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: ".", with: " ")
    }

    static func timestamp(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_GB")
        f.timeZone = TimeZone(identifier: "Europe/London")
        f.dateFormat = "d MMM yyyy, HH:mm"
        return f.string(from: date)
    }
}

/// "1 referral", "2 referrals".
func plural(_ n: Int, _ noun: String) -> String {
    n == 1 ? "1 \(noun)" : "\(n) \(noun)s"
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
