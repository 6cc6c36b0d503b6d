#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libFuzzer's entry for programs that own `main`: it parses the command line and calls `callback`
/// once per input.
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// Runs libFuzzer over `callback` with the process's arguments (`-runs=N`, corpus directories, …).
///
/// SwiftPM links an executable target's entry point under the name `<Module>_main`, so each fuzz
/// target exports that symbol and calls this, instead of relying on libFuzzer's own `main`.
///
/// - Parameters:
///   - argc: The argument count `main` received.
///   - argv: The arguments `main` received.
///   - callback: The function libFuzzer calls with each input; it returns 0.
/// - Returns: libFuzzer's exit status.
public func runLibFuzzer(
    _ argc: CInt,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, callback)
}

/// The input libFuzzer hands a callback, as a buffer (empty when `data` is nil).
///
/// - Parameters:
///   - data: The first byte, or nil for an empty input.
///   - size: The number of bytes.
/// - Returns: The bytes.
public func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeBufferPointer<UInt8> {
    UnsafeBufferPointer(start: size > 0 ? data : nil, count: size)
}

/// Stops the process with a message libFuzzer reports as a crash (with the input that caused it).
func violation(_ message: String, trace: [String] = [], file: StaticString = #file, line: UInt = #line) -> Never {
    if !trace.isEmpty {
        let text = (["--- inputs of the failing program ---"] + trace).joined(separator: "\n") + "\n"
        _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    }
    fatalError("invariant violated: \(message)", file: file, line: line)
}

/// Reads a fuzz input as a program: small choices and byte strings, with zeros once it runs out.
struct ByteReader {
    private let input: UnsafeBufferPointer<UInt8>
    private var index = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        input = bytes
    }

    var isAtEnd: Bool { index >= input.count }

    mutating func byte() -> UInt8 {
        guard index < input.count else { return 0 }
        defer { index += 1 }
        return input[index]
    }

    /// A choice among `count` alternatives.
    mutating func choice(_ count: Int) -> Int {
        Int(byte()) % count
    }

    mutating func element<T>(_ elements: [T]) -> T {
        elements[choice(elements.count)]
    }

    /// A length-prefixed byte string (at most 255 bytes).
    mutating func string() -> [UInt8] {
        let count = min(Int(byte()), input.count - index)
        guard count > 0 else { return [] }
        defer { index += count }
        return Array(input[index..<index + count])
    }
}
