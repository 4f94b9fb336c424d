// Helpers shared by the scenario tests: temporary stores, the example referral with a canary
// name and the reference server's description (folders and listeners: ../Support/Loopback.swift).
import Foundation
import XCTest

@testable import WeProtect
@testable import WeProtectCore

/// A name that must never appear in anything printed.
let canarySurname = "Canarywhistle"

/// A store in a fresh folder with a fresh in-memory key.
func openFreshStore(_ test: XCTestCase) throws -> (Store, URL, InMemoryKeyVault) {
    let folder = temporaryFolder(test)
    let vault = InMemoryKeyVault()
    return (try Store.open(folder: folder, vault: vault), folder, vault)
}

/// The core's complete example referral with the victim's surname replaced by the canary.
func exampleWithCanary() throws -> String {
    let json = try exampleReferralJson()
    var object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
    var victim = object["victim"] as! [String: Any]
    victim["surname"] = canarySurname
    object["victim"] = victim
    let data = try JSONSerialization.data(withJSONObject: object)
    return String(decoding: data, as: UTF8.self)
}

/// The reference server started by `cargo xtask test swift` (its service.json and a device
/// token), or a skip when the tests run without it (for example `swift test` on a Mac without
/// the environment set).
func referenceService() throws -> (ServiceConfig, String) {
    let env = ProcessInfo.processInfo.environment
    guard let path = env["WEPROTECT_SERVICE_JSON"], let token = env["WEPROTECT_TOKEN"] else {
        throw XCTSkip("WEPROTECT_SERVICE_JSON and WEPROTECT_TOKEN are not set (no reference server)")
    }
    let json = try String(contentsOfFile: path, encoding: .utf8)
    return (try serviceConfigFromJson(json: json), token)
}

/// Every way Swift prints a value.
func printedForms(_ value: Any) -> [String] {
    var dumped = ""
    dump(value, to: &dumped)
    return [String(describing: value), String(reflecting: value), "\(value)", dumped]
}
