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

/// A place that keeps small secrets by name: the Keychain on Apple systems
/// (`KeychainSecretItems`), a stand-in elsewhere (the Linux tests keep them in files, so a
/// process killed mid-rotation leaves them exactly as the Keychain would). The rotation protocol
/// itself is `ItemKeyVault`, plain Swift over this protocol, so it runs and is tested on Linux.
public protocol SecretItems: Sendable {
    /// The item called `name`, or nil when there is none.
    func read(_ name: String) throws -> Data?
    /// Adds `value` as `name`; false (and nothing changed) when `name` exists already.
    func add(_ name: String, _ value: Data) throws -> Bool
    /// Sets `name` to `value`, adding the item if there is none.
    func replace(_ name: String, _ value: Data) throws
    /// Removes `name`; no item is not an error.
    func delete(_ name: String) throws
}

/// The data key as one item and, during a rotation, the pending key as a second item
/// (`<account>.pending`), in any `SecretItems`: the Keychain (`KeychainKeyVault`) or a stand-in.
///
/// The order of writes is what makes a crash harmless: `beginRotation` writes the pending item
/// before the store is rekeyed; `commitRotation` overwrites the current item with it and only
/// then deletes the pending one, so a crash in between leaves two items with the same key.
/// `Store.open(folder:vault:)` settles whatever a crash left.
public final class ItemKeyVault: KeyVault, @unchecked Sendable {
    private let items: any SecretItems
    private let account: String
    private let lock = NSLock()

    /// `account` names the current key's item; the pending key is `<account>.pending`.
    public init(items: any SecretItems, account: String = "data-key") {
        self.items = items
        self.account = account
    }

    private var pendingAccount: String { account + ".pending" }

    public func dataKey() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        if let existing = try read(account) { return existing }
        let fresh = try newRandomDataKey()
        if try items.add(account, fresh) { return fresh }
        // Another process or vault added it first: use theirs.
        guard let raced = try read(account) else { throw KeyVaultError.noCurrentKey }
        return raced
    }

    public func beginRotation() throws -> Data {
        lock.lock()
        defer { lock.unlock() }
        guard try read(account) != nil else { throw KeyVaultError.noCurrentKey }
        let fresh = try newRandomDataKey()
        try items.replace(pendingAccount, fresh)
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
        try items.replace(account, pending)
        try items.delete(pendingAccount)
    }

    public func discardPendingKey() throws {
        lock.lock()
        defer { lock.unlock() }
        try items.delete(pendingAccount)
    }

    public func deleteDataKey() throws {
        lock.lock()
        defer { lock.unlock() }
        try items.delete(pendingAccount)
        try items.delete(account)
    }

    private func read(_ name: String) throws -> Data? {
        guard let data = try items.read(name) else { return nil }
        guard data.count == dataKeyLength else { throw KeyVaultError.wrongLength(data.count) }
        return data
    }
}

#if canImport(Security)
import Security

/// The data key in the Keychain, on this device only: an `ItemKeyVault` over
/// `KeychainSecretItems` (generic passwords of one service).
///
/// Accessibility is `kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`: readable after the first
/// unlock since boot, so a BGProcessingTask can open the store while the phone is locked
/// (`WhenUnlocked` would make every background sync fail), and never migrated to another device
/// or into a backup. On macOS the items go to the data protection keychain
/// (`kSecUseDataProtectionKeychain`, which needs the keychain-access-groups entitlement), where
/// the accessibility class applies; the legacy file keychain ignores it and may prompt.
public final class KeychainKeyVault: KeyVault, Sendable {
    private let vault: ItemKeyVault

    /// `service` and `account` name the Keychain item; the defaults suit one store per app.
    public init(service: String = "org.weprotect.core", account: String = "data-key") {
        vault = ItemKeyVault(items: KeychainSecretItems(service: service), account: account)
    }

    public func dataKey() throws -> Data { try vault.dataKey() }
    public func beginRotation() throws -> Data { try vault.beginRotation() }
    public func pendingDataKey() throws -> Data? { try vault.pendingDataKey() }
    public func commitRotation() throws { try vault.commitRotation() }
    public func discardPendingKey() throws { try vault.discardPendingKey() }
    public func deleteDataKey() throws { try vault.deleteDataKey() }
}

/// Generic-password items of one Keychain service. Thin: each method is one `SecItem` call.
public struct KeychainSecretItems: SecretItems {
    private let service: String

    public init(service: String) {
        self.service = service
    }

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

    public func read(_ name: String) throws -> Data? {
        var query = query(name)
        query[kSecReturnData as String] = true
        query[kSecMatchLimit as String] = kSecMatchLimitOne
        var result: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &result)
        if status == errSecItemNotFound { return nil }
        guard status == errSecSuccess, let data = result as? Data else {
            throw KeyVaultError.keychain(status)
        }
        return data
    }

    public func add(_ name: String, _ value: Data) throws -> Bool {
        var add = query(name)
        add[kSecValueData as String] = value
        add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        let status = SecItemAdd(add as CFDictionary, nil)
        if status == errSecDuplicateItem { return false }
        guard status == errSecSuccess else { throw KeyVaultError.keychain(status) }
        return true
    }

    public func replace(_ name: String, _ value: Data) throws {
        let attributes: [String: Any] = [kSecValueData as String: value]
        let status = SecItemUpdate(query(name) as CFDictionary, attributes as CFDictionary)
        if status == errSecItemNotFound {
            if try add(name, value) { return }
            return try replace(name, value)  // added by someone else meanwhile
        }
        guard status == errSecSuccess else { throw KeyVaultError.keychain(status) }
    }

    public func delete(_ name: String) throws {
        let status = SecItemDelete(query(name) as CFDictionary)
        guard status == errSecSuccess || status == errSecItemNotFound else {
            throw KeyVaultError.keychain(status)
        }
    }
}
#endif
