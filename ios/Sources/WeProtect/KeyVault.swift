// Where the data key lives. The core encrypts drafts and the outbox with a 32-byte key that the
// platform keeps: on iOS the Keychain. The core never stores it; the app hands it over when it
// opens the store (and at rekey), and the bindings copy it into the core's key and zeroise
// their copy.
import Foundation

/// Keeps the data key that encrypts the store on this device.
///
/// Implementations must return the same key every time until a rotation commits or
/// `deleteDataKey` is called, and must make it readable in the background after the first unlock
/// (background sync opens the store while the phone is locked).
///
/// Rotation is two-phase, as on Android: `beginRotation` keeps a new key as *pending* next to the
/// current one, the store is re-encrypted under it (one transaction), then `commitRotation` makes
/// it current. A crash in between leaves the store under one of the two keys, and
/// `Store.open(folder:vault:)` tries the current key, then the pending one, and settles the vault
/// to match (`Store.rotateKey(vault:)` runs the whole protocol).
public protocol KeyVault: Sendable {
    /// The data key, creating and storing a random one on first use.
    func dataKey() throws -> Data
    /// Creates a random key, keeps it as pending next to the current one, and returns it.
    func beginRotation() throws -> Data
    /// The pending key, if a rotation was begun and not settled.
    func pendingDataKey() throws -> Data?
    /// Makes the pending key current (called after the store was re-encrypted under it).
    func commitRotation() throws
    /// Forgets the pending key (the store never moved to it).
    func discardPendingKey() throws
    /// Forgets both keys: whatever they encrypted becomes unreadable (a remote wipe).
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
    /// A rotation was begun without a current key.
    case noCurrentKey
    /// A rotation was committed without a pending key.
    case noPendingKey

    public var description: String {
        switch self {
        case .randomUnavailable: return "KeyVaultError.randomUnavailable"
        case .wrongLength(let n): return "KeyVaultError.wrongLength(\(n))"
        case .keychain(let status): return "KeyVaultError.keychain(\(status))"
        case .noCurrentKey: return "KeyVaultError.noCurrentKey"
        case .noPendingKey: return "KeyVaultError.noPendingKey"
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
    private var pending: Data?

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

    public func beginRotation() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        guard key != nil else { throw KeyVaultError.noCurrentKey }
        let fresh = try newRandomDataKey()
        pending = fresh
        return fresh
    }

    public func pendingDataKey() throws -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return pending
    }

    public func commitRotation() throws {
        lock.lock()
        defer { lock.unlock() }
        guard let pending else { throw KeyVaultError.noPendingKey }
        key = pending
        self.pending = nil
    }

    public func discardPendingKey() throws {
        lock.lock()
        defer { lock.unlock() }
        pending = nil
    }

    public func deleteDataKey() throws {
        lock.lock()
        defer { lock.unlock() }
        key = nil
        pending = nil
    }
}

#if canImport(Security)
import Security

/// The data key as a generic password in the Keychain, on this device only, and during a
/// rotation the pending key as a second item (account `<account>.pending`).
///
/// Accessibility is `kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`: readable after the first
/// unlock since boot, so a BGProcessingTask can open the store while the phone is locked
/// (`WhenUnlocked` would make every background sync fail), and never migrated to another device
/// or into a backup. On macOS the items go to the data protection keychain
/// (`kSecUseDataProtectionKeychain`, which needs the keychain-access-groups entitlement), where
/// the accessibility class applies; the legacy file keychain ignores it and may prompt.
public final class KeychainKeyVault: KeyVault, @unchecked Sendable {
    private let service: String
    private let account: String
    private let lock = NSLock()

    /// `service` and `account` name the Keychain item; the defaults suit one store per app.
    public init(service: String = "org.weprotect.core", account: String = "data-key") {
        self.service = service
        self.account = account
    }

    private var pendingAccount: String { account + ".pending" }

    private func query(_ account: String) -> [String: Any] {
        var q: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccount as String: account,
        ]
        #if os(macOS)
        q[kSecUseDataProtectionKeychain as String] = true
        #endif
        return q
    }

    public func dataKey() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if let existing = try read(account) { return existing }
        let fresh = try newRandomDataKey()
        let status = add(account, fresh)
        if status == errSecDuplicateItem, let raced = try read(account) { return raced }
        guard status == errSecSuccess else { throw KeyVaultError.keychain(status) }
        return fresh
    }

    public func beginRotation() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        guard try read(account) != nil else { throw KeyVaultError.noCurrentKey }
        let fresh = try newRandomDataKey()
        try delete(pendingAccount)
        let status = add(pendingAccount, fresh)
        guard status == errSecSuccess else { throw KeyVaultError.keychain(status) }
        return fresh
    }

    public func pendingDataKey() throws -> Data? {
        lock.lock()
        defer { lock.unlock() }
        return try read(pendingAccount)
    }

    public func commitRotation() throws {
        lock.lock()
        defer { lock.unlock() }
        guard let pending = try read(pendingAccount) else { throw KeyVaultError.noPendingKey }
        // Current first, then the pending item goes: a crash in between leaves both items with
        // the same key, which opens the store either way.
        let attributes: [String: Any] = [kSecValueData as String: pending]
        var status = SecItemUpdate(query(account) as CFDictionary, attributes as CFDictionary)
        if status == errSecItemNotFound { status = add(account, pending) }
        guard status == errSecSuccess else { throw KeyVaultError.keychain(status) }
        try delete(pendingAccount)
    }

    public func discardPendingKey() throws {
        lock.lock()
        defer { lock.unlock() }
        try delete(pendingAccount)
    }

    public func deleteDataKey() throws {
        lock.lock()
        defer { lock.unlock() }
        try delete(pendingAccount)
        try delete(account)
    }

    private func add(_ account: String, _ key: Data) -> OSStatus {
        var add = query(account)
        add[kSecValueData as String] = key
        add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        return SecItemAdd(add as CFDictionary, nil)
    }

    private func delete(_ account: String) throws {
        let status = SecItemDelete(query(account) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw KeyVaultError.keychain(status)
        }
    }

    private func read(_ account: String) throws -> Data? {
        var query = query(account)
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
