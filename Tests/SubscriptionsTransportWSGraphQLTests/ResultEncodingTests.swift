import GraphQL
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

@Suite("Result encoding")
struct ResultEncodingTests {
    private func encoded(_ result: GraphQLResult) -> String {
        String(decoding: ExecutionResult(result).encodedJSON, as: UTF8.self)
    }

    @Test func dataKeepsOrderAndEveryValueKind() throws {
        let data: Map = [
            "string": "a \"quote\" \\ and\nnewline \u{01} é 🚀",
            "int": .int(-42),
            "double": .double(1.5),
            "integralDouble": .double(2),
            "true": true,
            "null": .null,
            "list": [.int(1), .undefined, .null, "x"],
            "object": ["b": .int(1), "a": .int(2)],
            "skipped": .undefined,
            "infinity": .double(.infinity),
        ]
        let text = encoded(GraphQLResult(data: data))
        #expect(
            text
                == #"{"data":{"string":"a \"quote\" \\ and\nnewline \u0001 é 🚀","int":-42,"double":1.5,"integralDouble":2.0,"true":true,"null":null,"list":[1,null,null,"x"],"object":{"b":1,"a":2},"infinity":null}}"#
        )
        #expect(
            try JSONValue.parse(text)
                == dataResult([
                    "string": "a \"quote\" \\ and\nnewline \u{01} é 🚀", "int": -42, "double": 1.5,
                    "integralDouble": 2.0,
                    "true": true, "null": nil, "list": [1, nil, nil, "x"], "object": ["b": 1, "a": 2], "infinity": nil,
                ])
        )
    }

    @Test func dataAndErrors() {
        let error = GraphQLError(
            message: "failed",
            locations: [SourceLocation(line: 2, column: 5)],
            path: ["list", 3, "name"],
            extensions: ["code": "E1"]
        )
        #expect(
            encoded(GraphQLResult(data: ["list": nil], errors: [error]))
                == #"{"data":{"list":null},"errors":[{"message":"failed","locations":[{"line":2,"column":5}],"path":["list",3,"name"],"extensions":{"code":"E1"}}]}"#
        )
    }

    @Test func errorsOnlyOmitData() {
        #expect(
            encoded(GraphQLResult(errors: [GraphQLError(message: "one"), GraphQLError(message: "two")]))
                == #"{"errors":[{"message":"one"},{"message":"two"}]}"#
        )
    }

    @Test func undefinedDataIsOmitted() {
        #expect(
            encoded(GraphQLResult(data: .undefined, errors: [GraphQLError(message: "x")]))
                == #"{"errors":[{"message":"x"}]}"#
        )
    }

    @Test func emptyResultHasNullData() {
        #expect(encoded(GraphQLResult()) == #"{"data":null}"#)
    }

    @Test func formattedErrorFromGraphQLError() {
        let error = GraphQLError(
            message: "failed",
            locations: [SourceLocation(line: 1, column: 2)],
            path: ["a", 0],
            extensions: ["code": "E", "detail": ["n": .int(1)]]
        )
        #expect(
            GraphQLFormattedError(error)
                == GraphQLFormattedError(
                    message: "failed",
                    locations: [.init(line: 1, column: 2)],
                    path: ["a", 0],
                    extensions: ["code": "E", "detail": ["n": 1]]
                )
        )
        #expect(GraphQLFormattedError(GraphQLError(message: "bare")) == GraphQLFormattedError(message: "bare"))
    }
}
