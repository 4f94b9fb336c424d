// The referrer's own details, typed once on the "My details" screen and kept by the core,
// encrypted like every personal value (`Store.setProfile`); every new draft is filled from
// them and they stay editable on each. This is the screen's plain half: which boxes, in what
// order, and how typed text becomes a `ReferrerProfile` (a blank box is left out). The core
// checks the phone, email and collar number and refuses the whole profile, changing nothing.
// Plain Swift: tested on Linux.
import Foundation
import WeProtectCore

/// The boxes of the profile screen, in order.
enum ProfileDetail: String, CaseIterable, Identifiable, Sendable {
    case officerName, collarNumber, rank, role, station, contactPhone, email

    var id: String { rawValue }

    var label: String {
        switch self {
        case .officerName: "Your name"
        case .collarNumber: "Collar number"
        case .rank: "Rank"
        case .role: "Your role"
        case .station: "Station, team or service"
        case .contactPhone: "Phone the service can call you on"
        case .email: "Work email"
        }
    }

    var hint: String? {
        switch self {
        case .collarNumber, .rank: "Police only"
        case .role: "For example IDVA, health visitor"
        default: nil
        }
    }
}

enum ProfileForm {
    /// The profile the boxes hold; blank boxes are left out. Throws only if the core fails.
    static func profile(from typed: [ProfileDetail: String]) throws -> ReferrerProfile {
        func get(_ d: ProfileDetail) throws -> PersonalText? {
            guard let text = typed[d], !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            return try PersonalText(text: text)
        }
        return ReferrerProfile(
            officerName: try get(.officerName), collarNumber: try get(.collarNumber),
            rank: try get(.rank), role: try get(.role), station: try get(.station),
            contactPhone: try get(.contactPhone), email: try get(.email))
    }

    /// The boxes filled from a saved profile (revealed for the text fields that show them).
    static func typed(from profile: ReferrerProfile?) -> [ProfileDetail: String] {
        guard let profile else { return [:] }
        let all: [(ProfileDetail, PersonalText?)] = [
            (.officerName, profile.officerName), (.collarNumber, profile.collarNumber),
            (.rank, profile.rank), (.role, profile.role), (.station, profile.station),
            (.contactPhone, profile.contactPhone), (.email, profile.email),
        ]
        var out: [ProfileDetail: String] = [:]
        for (detail, text) in all {
            if let value = try? text?.reveal() { out[detail] = value }
        }
        return out
    }

    /// Offer the profile screen at start while none is saved and the officer has not said "later".
    static func offerAtStart(saved: ReferrerProfile?, declinedThisRun: Bool) -> Bool {
        saved == nil && !declinedThisRun
    }
}
