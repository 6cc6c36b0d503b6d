import FuzzSupport

/// libFuzzer's callback: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzGraphQLWSMachine(fuzzInput(data, size))
    return 0
}

/// The entry point SwiftPM gives an executable target: libFuzzer's driver over testOneInput(_:_:).
@_cdecl("FuzzGraphQLWSMachine_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runLibFuzzer(argc, argv, testOneInput)
}
