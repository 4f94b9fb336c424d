// The organisation's settings, read from the small JSON file the organisation ships with its
// app (`organisation.json`, the same format as the Android sample's). An officer never types
// these: the consent script's version, the risk instrument in use and the route to take when
// consent is refused are the organisation's decisions. The app passes them to
// `Store.setDeployment` at every start; new drafts are filled from them. Plain Swift: tested on
// Linux. A managed app configuration (`com.apple.configuration.managed`) holds the same keys.
import Foundation
import WeProtectCore

/// The organisation file is malformed: `field` names where, `rule` what was expected.
struct OrganisationConfigError: Error, Equatable, CustomStringConvertible {
    let field: String
    let rule: String
    var description: String { "organisation.json: \(field): \(rule)" }
}

enum OrganisationConfig {
    /// The keys the file may hold; each is optional, no other key is accepted.
    static let keys = [
        "organisation_type", "organisation_id", "consent_script_version", "risk_instrument",
        "consent_refused_route",
    ]

    /// The deployment settings of `organisation.json`: one JSON object of string values. An
    /// unknown key (a typo would silently drop a setting), a value that is not a string, an
    /// unknown organisation type or a blank value is refused naming the key.
    static func settings(json: Data) throws -> DeploymentSettings {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: json)
        } catch {
            throw OrganisationConfigError(field: "(top level)", rule: "not valid JSON")
        }
        guard let object = parsed as? [String: Any] else {
            throw OrganisationConfigError(field: "(top level)", rule: "the file must be one JSON object")
        }
        var values: [String: String] = [:]
        for key in object.keys.sorted() {
            guard keys.contains(key) else {
                throw OrganisationConfigError(
                    field: key, rule: "unknown key; expected one of \(keys.joined(separator: ", "))")
            }
            guard let value = object[key] as? String else {
                throw OrganisationConfigError(field: key, rule: "must be a string in quotes")
            }
            guard !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw OrganisationConfigError(field: key, rule: "must not be blank (leave the key out instead)")
            }
            values[key] = value
        }
        var type: OrganisationType?
        if let typed = values["organisation_type"] {
            let all: [(String, OrganisationType)] = [
                ("police", .police), ("health", .health), ("idva", .idva), ("charity", .charity),
                ("other", .other),
            ]
            guard let found = all.first(where: { $0.0 == typed.lowercased() }) else {
                throw OrganisationConfigError(
                    field: "organisation_type", rule: "one of \(all.map(\.0).joined(separator: ", "))")
            }
            type = found.1
        }
        return DeploymentSettings(
            organisationType: type, organisationId: values["organisation_id"],
            consentScriptVersion: values["consent_script_version"],
            riskInstrument: values["risk_instrument"],
            consentRefusedRoute: values["consent_refused_route"])
    }
}
