// Where the data key lives. The core encrypts drafts and the outbox with a 32-byte key that the
// platform keeps: on iOS the Keychain. The core never stores it; the app hands it over when it
// opens the store (and at rekey), and the bindings copy it into the core's key and zeroise
// their copy.
import Foundation

/// Keeps the data key that encrypts the store on this device.
///
/// Implementations must return the same key every time until `replaceDataKey` or
/// `deleteDataKey` is called, and must make it readable in the background after the first unlock
/// (background sync opens the store while the phone is locked).
public protocol KeyVault: Sendable {
    /// The data key, creating and storing a random one on first use.
    func dataKey() throws -> Data
    /// Stores `newKey` in place of the current key (after the store has been rekeyed to it).
    func replaceDataKey(_ newKey: Data) throws
    /// Forgets the key: whatever it encrypted becomes unreadable (a remote wipe).
    func deleteDataKey() throws
}

/// The size of the core's data key in bytes.
public let dataKeyLength = 32

/// Why a key vault could not give or keep the key. Carries status codes only.
public enum KeyVaultError: Error, Equatable, CustomStringConvertible {
    /// The system random generator failed.
    case randomUnavailable
    /// A key of the wrong length was offered or found.
    case wrongLength(Int)
    /// The Keychain refused (an `OSStatus`, e.g. -25308 when the phone has not been unlocked
    /// since it started).
    case keychain(Int32)

    public var description: String {
        switch self {
        case .randomUnavailable: return "KeyVaultError.randomUnavailable"
        case .wrongLength(let n): return "KeyVaultError.wrongLength(\(n))"
        case .keychain(let status): return "KeyVaultError.keychain(\(status))"
        }
    }
}

/// A new random data key from the system's secure generator.
public func newRandomDataKey() throws -> Data {
    var generator = SystemRandomNumberGenerator()  // arc4random_buf / getrandom: a CSPRNG
    var bytes = [UInt8](repeating: 0, count: dataKeyLength)
    for i in bytes.indices {
        bytes[i] = generator.next()
    }
    return Data(bytes)
}

/// A key held in memory only: for tests and for previews. Not for a real device.
public final class InMemoryKeyVault: KeyVault, @unchecked Sendable {
    private let lock = NSLock()
    private var key: Data?

    /// An empty vault (a random key is made on first use), or one holding `key`.
    public init(key: Data? = nil) {
        self.key = key
    }

    public func dataKey() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if let key { return key }
        let fresh = try newRandomDataKey()
        key = fresh
        return fresh
    }

    public func replaceDataKey(_ newKey: Data) throws {
        guard newKey.count == dataKeyLength else { throw KeyVaultError.wrongLength(newKey.count) }
        lock.lock()
        defer { lock.unlock() }
        key = newKey
    }

    public func deleteDataKey() throws {
        lock.lock()
        defer { lock.unlock() }
        key = nil
    }
}

#if canImport(Security)
import Security

/// The data key as a generic password in the Keychain, on this device only.
///
/// Accessibility is `kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`: readable after the first
/// unlock since boot, so a BGProcessingTask can open the store while the phone is locked
/// (`WhenUnlocked` would make every background sync fail), and never migrated to another device
/// or into a backup.
public final class KeychainKeyVault: KeyVault, @unchecked Sendable {
    private let service: String
    private let account: String
    private let lock = NSLock()

    /// `service` and `account` name the Keychain item; the defaults suit one store per app.
    public init(service: String = "org.weprotect.core", account: String = "data-key") {
        self.service = service
        self.account = account
    }

    private var baseQuery: [String: Any] {
        [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
        ]
    }

    public func dataKey() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if let existing = try read() { return existing }
        let fresh = try newRandomDataKey()
        var add = baseQuery
        add[kSecValueData as String] = fresh
        add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        let status = SecItemAdd(add as CFDictionary, nil)
        if status == errSecDuplicateItem, let raced = try read() { return raced }
        guard status == errSecSuccess else { throw KeyVaultError.keychain(status) }
        return fresh
    }

    public func replaceDataKey(_ newKey: Data) throws {
        guard newKey.count == dataKeyLength else { throw KeyVaultError.wrongLength(newKey.count) }
        lock.lock()
        defer { lock.unlock() }
        let attributes: [String: Any] = [
            kSecValueData as String: newKey,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
        ]
        var status = SecItemUpdate(baseQuery as CFDictionary, attributes as CFDictionary)
        if status == errSecItemNotFound {
            var add = baseQuery
            add.merge(attributes) { _, new in new }
            status = SecItemAdd(add as CFDictionary, nil)
        }
        guard status == errSecSuccess else { throw KeyVaultError.keychain(status) }
    }

    public func deleteDataKey() throws {
        lock.lock()
        defer { lock.unlock() }
        let status = SecItemDelete(baseQuery as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw KeyVaultError.keychain(status)
        }
    }

    private func read() throws -> Data? {
        var query = baseQuery
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess, let data = result as? Data else {
            throw KeyVaultError.keychain(status)
        }
        guard data.count == dataKeyLength else { throw KeyVaultError.wrongLength(data.count) }
        return data
    }
}
#endif
