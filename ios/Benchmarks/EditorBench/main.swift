// `cargo xtask bench swift`: the draft editor's `set` (with its problems) and a snapshot of the
// example referral, called from Swift through the generated bindings, against the same calls made
// in Rust inside the library (`benchmarkEditorInRust`), in interleaved rounds in one process: the
// Swift twin of `cargo xtask bench kotlin` (android/core-kotlin/src/bench). Compiled with -O with
// the generated Swift into one module, against the library as apps ship it (release-ffi).
import Foundation
import WeProtectCoreFFI

let rounds = 15
let perRound = 200
let phones = ["07700 900123", "07700 900124"]
nonisolated(unsafe) var sink = 0

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

func swiftSets(_ editor: DraftEditor, _ n: Int) throws -> UInt64 {
    let started = now()
    for i in 0..<n {
        let value = FieldValue.text(text: try PersonalText(text: phones[i % 2]))
        let outcome = try editor.set(path: "safe_contact.phone", value: value)
        sink += outcome.changed.reduce(0) { $0 + $1.problems.count }
    }
    return now() - started
}

func swiftSnapshots(_ editor: DraftEditor, _ n: Int) throws -> UInt64 {
    let started = now()
    for _ in 0..<n { sink += try editor.snapshot().fields.count }
    return now() - started
}

/// The snapshot's FFI call alone: Rust builds and serialises the snapshot (creating its text
/// handles), Swift frees the buffer without lifting it (the handles in it are leaked: a few
/// thousand small objects for the run, to keep the split honest).
func rawSnapshots(_ editor: DraftEditor, _ n: Int) -> UInt64 {
    let started = now()
    for _ in 0..<n {
        var status = RustCallStatus()
        let buffer = uniffi_weprotect_ffi_fn_method_drafteditor_snapshot(editor.uniffiCloneHandle(), &status)
        precondition(status.code == 0)
        sink += Int(buffer.len)
        ffi_weprotect_ffi_rustbuffer_free(buffer, &status)
    }
    return now() - started
}

/// One personal text's round trip as an object: made in Rust, lifted, freed by its deinit.
func textHandles(_ n: Int) throws -> UInt64 {
    let started = now()
    for i in 0..<n { sink += try PersonalText(text: phones[i % 2]).isEmpty() ? 0 : 1 }
    return now() - started
}

/// The form definition (a record with no object in it) through the generated code, and its C
/// call alone with the buffer freed unread: the Swift lift's cost per byte without any handle.
func definitions(_ n: Int) throws -> UInt64 {
    let started = now()
    for _ in 0..<n { sink += try formDefinition().sections.count }
    return now() - started
}

func rawDefinitions(_ n: Int) -> (UInt64, Int) {
    var bytes = 0
    let started = now()
    for _ in 0..<n {
        var status = RustCallStatus()
        let buffer = uniffi_weprotect_ffi_fn_func_form_definition(&status)
        precondition(status.code == 0)
        bytes = Int(buffer.len)
        ffi_weprotect_ffi_rustbuffer_free(buffer, &status)
    }
    return (now() - started, bytes)
}

/// The size of one snapshot's buffer in bytes.
func snapshotBytes(_ editor: DraftEditor) -> Int {
    var status = RustCallStatus()
    let buffer = uniffi_weprotect_ffi_fn_method_drafteditor_snapshot(editor.uniffiCloneHandle(), &status)
    precondition(status.code == 0)
    defer { ffi_weprotect_ffi_rustbuffer_free(buffer, &status) }
    return Int(buffer.len)
}

/// How many `PersonalText` objects one snapshot carries.
func handles(in snapshot: FormSnapshot) -> Int {
    snapshot.fields.reduce(0) { total, field in
        var n = field.normalised == nil ? 0 : 1
        if case .text? = field.value { n += 1 }
        return total + n
    }
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func report(_ name: String, _ swift: [Double], _ rust: [Double]) {
    func f(_ x: Double) -> String { String(format: "%.1f", x) }
    let pad = name.padding(toLength: 34, withPad: " ", startingAt: 0)
    print(
        "\(pad) Swift \(f(median(swift))) us (\(f(swift.min()!))..\(f(swift.max()!)))   "
            + "Rust \(f(median(rust))) us (\(f(rust.min()!))..\(f(rust.max()!)))   "
            + "ratio \(String(format: "%.2f", median(swift) / median(rust)))")
}

do {
    let editor = try DraftEditor.fromJson(json: try exampleReferralJson(), store: nil)
    _ = try swiftSets(editor, 1000)
    _ = try swiftSnapshots(editor, 100)
    _ = try benchmarkEditorInRust(iterations: 1000, store: nil)
    _ = rawSnapshots(editor, 50)
    var setS: [Double] = [], setR: [Double] = [], snapS: [Double] = [], snapR: [Double] = []
    var rawS: [Double] = [], textS: [Double] = [], defS: [Double] = [], defRaw: [Double] = []
    var definitionBytes = 0
    let definitionCalls = 20
    func perCall(_ nanos: UInt64) -> Double { Double(nanos) / Double(perRound) / 1000 }
    for _ in 0..<rounds {
        setS.append(perCall(try swiftSets(editor, perRound)))
        snapS.append(perCall(try swiftSnapshots(editor, perRound)))
        rawS.append(perCall(rawSnapshots(editor, perRound)))
        textS.append(perCall(try textHandles(perRound)))
        defS.append(Double(try definitions(definitionCalls)) / Double(definitionCalls) / 1000)
        let (rawNanos, bytes) = rawDefinitions(definitionCalls)
        defRaw.append(Double(rawNanos) / Double(definitionCalls) / 1000)
        definitionBytes = bytes
        let rust = try benchmarkEditorInRust(iterations: UInt32(perRound), store: nil)
        setR.append(perCall(rust.setNanos))
        snapR.append(perCall(rust.snapshotNanos))
    }
    let fields = try editor.snapshot().fields.count
    print("draft editor, example referral (\(fields) fields), \(rounds) interleaved rounds of \(perRound) calls, per call:")
    report("set(phone) + problems", setS, setR)
    report("snapshot()", snapS, snapR)
    report("snapshot(), C call, no Swift lift", rawS, snapR)
    let texts = handles(in: try editor.snapshot())
    let lift = median(snapS) - median(rawS)
    print(
        "of a snapshot from Swift: \(String(format: "%.1f", lift)) us lifting it in Swift (\(texts) PersonalText "
            + "objects among \(fields) fields, a buffer of \(snapshotBytes(editor)) bytes); one PersonalText made, lifted and freed: "
            + "\(String(format: "%.2f", median(textS))) us")
    let snapshotNsPerByte = lift * 1000 / Double(snapshotBytes(editor))
    let definitionLift = median(defS) - median(defRaw)
    print(
        "Swift lift per byte: snapshot \(String(format: "%.1f", snapshotNsPerByte)) ns; formDefinition() "
            + "(no objects, \(definitionBytes) bytes: \(String(format: "%.1f", median(defS))) us, of which "
            + "the C call \(String(format: "%.1f", median(defRaw))) us) "
            + "\(String(format: "%.1f", definitionLift * 1000 / Double(definitionBytes))) ns")
    if sink == 42 { print() }
} catch {
    print("benchmark failed: \(error)")
    exit(1)
}
