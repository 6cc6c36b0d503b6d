import GraphQL
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

@Suite("JSON and Map conversion")
struct MapConversionTests {
    @Test func jsonToMapKeepsNumberKinds() {
        let map = Map(json: ["i": 3, "d": 2.5, "s": "x", "b": false, "n": nil, "a": [1, [2.0]], "o": ["k": "v"]])
        #expect(map["i"] == .int(3))
        #expect(map["i"].int == 3)
        #expect(map["d"] == .double(2.5))
        #expect(map["s"] == "x")
        #expect(map["b"] == false)
        #expect(map["n"] == .null)
        #expect(map["a"] == [.int(1), [.double(2)]])
        #expect(map["o"] == ["k": "v"])
        if case .number(let number) = map["i"] {
            #expect(number.storageType == .int)
        } else {
            Issue.record("expected a number")
        }
    }

    @Test func mapToJSONRoundTrips() {
        let json: JSONValue = ["i": 3, "d": 2.5, "s": "x", "b": true, "n": nil, "a": [1, [2.5]], "o": ["k": "v"]]
        #expect(JSONValue(map: Map(json: json)) == json)
    }

    @Test func mapToJSONDropsUndefinedMembers() {
        #expect(JSONValue(map: ["a": .undefined, "b": [.undefined]]) == ["b": [nil]])
        #expect(JSONValue(map: .double(.nan)) == .null)
    }
}
