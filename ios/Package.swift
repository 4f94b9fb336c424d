// swift-tools-version:6.0
//
// The WEPROTECT core for iOS apps (Apple platforms only: the Rust library ships as an
// XCFramework that `scripts/build-xcframework.sh` builds on a Mac).
//
// - `WeProtectCoreFFI`: the Rust library (static, one slice per platform) with the uniffi C
//   header and module map. Only the uniffi symbols are exported; its bundled SQLite is private.
// - `WeProtectCore`: the Swift that uniffi generates from the same build (never hand-edited).
// - `WeProtect`: the thin hand-written layer (a `KeyVault` for the data key, an `AsyncStream`
//   of sync events, the background-sync plan) and the privacy manifest. Apps depend on this
//   product.
//
// Swift 6 language mode (strict concurrency) for every target: `cargo xtask test shells` and
// `cargo xtask test swift` compile the same sources with -swift-version 6 on Linux.
import PackageDescription

let package = Package(
    name: "WeProtect",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "WeProtect", targets: ["WeProtect", "WeProtectCore"]),
    ],
    targets: [
        .binaryTarget(
            name: "WeProtectCoreFFI",
            path: "build/WeProtectCoreFFI.xcframework"
        ),
        .target(
            name: "WeProtectCore",
            dependencies: ["WeProtectCoreFFI"],
            path: "Sources/WeProtectCore",
            // What the Rust static library needs from the system (rustc's native-static-libs
            // for Apple targets: the platform TLS verifier uses Security and CoreFoundation).
            linkerSettings: [
                .linkedFramework("Security"),
                .linkedFramework("CoreFoundation"),
                .linkedLibrary("iconv"),
            ]
        ),
        .target(
            name: "WeProtect",
            dependencies: ["WeProtectCore"],
            path: "Sources/WeProtect",
            // The required-reason APIs the bundled SQLite calls (App Store: ITMS-91053).
            resources: [.copy("PrivacyInfo.xcprivacy")]
        ),
        .testTarget(
            name: "WeProtectTests",
            dependencies: ["WeProtect", "WeProtectCore"],
            path: "Tests",
            sources: ["WeProtectTests", "Support"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
