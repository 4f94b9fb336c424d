// Stable codes and short texts for the core's errors, as the Kotlin layer has them
// (`exception.code`, `exception.text`). Swift code that only needs to know "was it a wrong key?"
// should not need an exhaustive `switch` over every case, and the text an app shows or logs must
// be short, fit for the officer, and free of personal data: paths and counts only, never a value.
//
// The generated enum is built with `omit_localized_error_conformance` (ios/uniffi.toml), so the
// `LocalizedError` conformance below is the only one: `error.localizedDescription` is this short
// text, not the generated developer dump (`String(reflecting:)`).
import Foundation
import WeProtectCore

extension WeprotectError {
    /// The stable machine-readable code (the same codes as the Rust core, Kotlin's
    /// `exception.code` and docs/bindings.md): `wrong_key`, `invalid`, `needs_sign_in`, ...
    public var code: String {
        switch self {
        case .WrongKey: return "wrong_key"
        case .NotAWeprotectStore: return "not_a_weprotect_store"
        case .CorruptStore: return "corrupt_store"
        case .TooNew: return "too_new"
        case .NotFound: return "not_found"
        case .Invalid: return "invalid"
        case .InvalidDocument: return "invalid_document"
        case .InvalidState: return "invalid_state"
        case .InvalidArgument: return "invalid_argument"
        case .ServiceConfig: return "service_config"
        case .Closed: return "closed"
        case .NeedsSignIn: return "needs_sign_in"
        case .Storage: return "storage"
        case .CallbackFailed: return "callback_failed"
        case .Internal: return "internal"
        case .UnknownField: return "unknown_field"
        case .WrongKind: return "wrong_kind"
        case .UnknownOption: return "unknown_option"
        case .OutOfRange: return "out_of_range"
        case .FieldHidden: return "field_hidden"
        case .GroupFull: return "group_full"
        }
    }

    /// A short text fit to show the officer or to log beside `code` (the same words as the
    /// Kotlin layer's `exception.text`). Never personal data: field paths and counts only.
    public var text: String {
        switch self {
        case .WrongKey: return "The data key does not open this store."
        case .NotAWeprotectStore: return "This folder holds a file that is not a WEPROTECT store."
        case .CorruptStore: return "The store is damaged."
        case .TooNew: return "The store was written by a newer version of the app."
        case .NotFound: return "Not found: it may have been sent, deleted or purged."
        case .Invalid(let problems):
            return "The referral cannot be sent yet: \(problems.count) thing(s) to put right."
        case .InvalidDocument: return "The referral document cannot be read."
        case .InvalidState: return "Not allowed in the current state."
        case .InvalidArgument: return "A value passed to the library is out of range."
        case .ServiceConfig: return "The service description is unusable."
        case .Closed: return "The store was closed or wiped."
        case .NeedsSignIn: return "Sign in again to send."
        case .Storage: return "The phone's storage failed (full, or read-only)."
        case .CallbackFailed: return "The app's sign-in could not give a token."
        case .Internal: return "An internal error; nothing was lost."
        case .UnknownField(let path): return "No field \(path) in the form."
        case .WrongKind(let path, let expected): return "\(path) takes a \(expected) value."
        case .UnknownOption(let path): return "\(path): not one of the options."
        case .OutOfRange(let path): return "\(path): out of range."
        case .FieldHidden(let path): return "\(path) is not shown now."
        case .GroupFull(let path, let max): return "\(path) already has \(max) items."
        }
    }
}

extension WeprotectError: LocalizedError {
    /// `error.localizedDescription`: the short text (see `text`).
    public var errorDescription: String? { text }
}

extension CallbackError: LocalizedError {
    /// `error.localizedDescription` of what an app's callback threw.
    public var errorDescription: String? { "The app's callback could not do its job." }
}
