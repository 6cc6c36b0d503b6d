import GraphQL
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL
import Testing

/// The protocol request; GraphQLSwift has a type of the same name.

/// Something a test expected and did not get.
struct UnexpectedOutcome: Error, CustomStringConvertible {
    var description: String
}

extension ExecutionOutcome {
    /// The single result, parsed; throws for any other outcome.
    func singleResult() throws -> JSONValue {
        guard case .single(let result) = self else {
            throw UnexpectedOutcome(description: "expected .single, got \(self)")
        }
        return try JSONValue.parse(result.encodedJSON)
    }

    /// The errors of a rejected request; throws for any other outcome.
    func rejectedErrors() throws -> [GraphQLFormattedError] {
        guard case .rejected(let errors) = self else {
            throw UnexpectedOutcome(description: "expected .rejected, got \(self)")
        }
        return errors
    }

    /// The result stream; throws for any other outcome.
    func resultStream() throws -> any AsyncSequence<ExecutionResult, any Error> & Sendable {
        guard case .stream(let stream) = self else {
            throw UnexpectedOutcome(description: "expected .stream, got \(self)")
        }
        return stream
    }
}

/// Pulls every result of a stream, parsed.
func collect(_ stream: some AsyncSequence<ExecutionResult, any Error>) async throws -> [JSONValue] {
    var results: [JSONValue] = []
    for try await result in stream {
        results.append(try JSONValue.parse(result.encodedJSON))
    }
    return results
}

/// An executor over the example schema whose connection context is a string.
func exampleExecutor() throws -> GraphQLSwiftExecutor<String> {
    try GraphQLSwiftExecutor<String>(schema: ExampleSchema.make())
}

extension JSONValue {
    /// The member `key` of an object, or `nil`.
    subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}

/// `{"data": data}`.
func dataResult(_ data: JSONValue) -> JSONValue {
    .object(["data": data])
}
