import SubscriptionsTransportWS
import Testing

@Suite("JSON parsing and encoding")
struct JSONTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONValue.parse(#" {"a":[1,-2.5e3,true,false,null,"x\"y\\z\n\u00e9\ud83d\ude00"],"b":{}} "#)
        #expect(value == ["a": [1, -2500.0, true, false, nil, "x\"y\\z\né😀"], "b": [:]])
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":}", "{\"a\" 1}", "01", "1.", "-", "tru", "nul", "\"abc",
        "\"\\x\"", "\"\\ud800\"", "{\"a\":1}x", "[1 2]", "\"\u{01}\"", "1e", "NaN",
    ])
    func rejectsMalformedText(text: String) {
        #expect(throws: JSONParsingError.self) { try JSONValue.parse(text) }
    }

    @Test func rejectsInvalidUTF8InStrings() {
        #expect(throws: JSONParsingError.self) { try JSONValue.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func limitsNesting() throws {
        _ = try JSONValue.parse(String(repeating: "[", count: 200) + String(repeating: "]", count: 200))
        #expect(throws: JSONParsingError.self) {
            try JSONValue.parse(String(repeating: "[", count: 300) + String(repeating: "]", count: 300))
        }
    }

    @Test func keepsIntegersApartFromOtherNumbers() throws {
        #expect(try JSONValue.parse("1") == .integer(1))
        #expect(try JSONValue.parse("1.0") == .double(1))
        #expect(try JSONValue.parse("99999999999999999999") == .double(1e20))
    }

    @Test func encodingRoundTripsAndEscapes() throws {
        let value: JSONValue = ["s": "quote\" backslash\\ newline\n tab\t bell\u{07} é", "n": [1, 2.5, nil, true]]
        let encoded = value.encodedString
        #expect(!encoded.contains("\n"))
        #expect(encoded.contains(#"\u0007"#))
        #expect(try JSONValue.parse(encoded) == value)
    }
}
