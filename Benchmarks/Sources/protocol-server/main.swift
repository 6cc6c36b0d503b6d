import NIOCore
import NIOPosix
import SubscriptionsTransportWS
import SubscriptionsTransportWSNIO

// A GraphQL WebSocket server whose results are already-encoded bytes: what it measures is the
// protocol and the WebSocket transport alone (the package's core and its SwiftNIO channel on a bare
// NIO server), not a GraphQL engine. See BENCHMARKS.md.
//
//   protocol-server [--port N] [--host H]
//
// Every operation is a subscription streaming `{"data":{"counter":0}}`: as many results as the
// number after `n:` in its document (`subscription { counter(n: 5) }`), or without end.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The same encoded result, `count` times (`nil`: until cancelled).
struct PreEncodedResults: AsyncSequence, Sendable {
    static let result = ExecutionResult(encodedJSON: Array(#"{"data":{"counter":0}}"#.utf8))
    let count: Int?

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: Int?

        mutating func next() async throws -> ExecutionResult? {
            try await next(isolation: nil)
        }

        mutating func next(isolation actor: isolated (any Actor)?) async throws -> ExecutionResult? {
            if let count = remaining {
                guard count > 0 else { return nil }
                remaining = count - 1
            }
            try Task.checkCancellation()
            return PreEncodedResults.result
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: count) }
}

/// Answers every operation with pre-encoded results.
struct PreEncodedExecutor: GraphQLExecutor {
    func execute(_ request: OperationRequest, context: JSONObject) async throws -> ExecutionOutcome {
        .stream(PreEncodedResults(count: Self.count(in: request.query)))
    }

    /// The number after `n:` in a document, if any.
    static func count(in query: String) -> Int? {
        guard let range = query.firstRange(of: "n:") else { return nil }
        return Int(query[range.upperBound...].drop(while: { $0 == " " }).prefix(while: \.isNumber))
    }
}

var host = "127.0.0.1"
var port = 0
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--port": port = Int(arguments.popFirst() ?? "") ?? 0
    case "--host": host = arguments.popFirst() ?? host
    default: fatalError("usage: protocol-server [--port N] [--host H]")
    }
}

let server = GraphQLWebSocketServer(executor: PreEncodedExecutor())
let endpoint = GraphQLWebSocketNIOEndpoint(server: server)
let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .serverChannelOption(.backlog, value: 4096)
    .bind(host: host, port: port) { channel in
        channel.eventLoop.makeCompletedFuture {
            try endpoint.configureHTTP1Pipeline(on: channel) { channel, refusal in
                GraphQLWebSocketNIOEndpoint.respond(refusal == nil ? .notFound : .badRequest, on: channel)
            }
        }
    }
// Written straight to the file descriptor: a script reading the pipe needs the line at once.
let ready = "Listening on ws://\(host):\(listener.channel.localAddress?.port ?? port)/graphql\n"
_ = ready.utf8CString.withUnsafeBufferPointer { write(1, $0.baseAddress, $0.count - 1) }
try await withThrowingDiscardingTaskGroup { group in
    try await listener.executeThenClose { connections in
        for try await upgrade in connections {
            group.addTask {
                if case .webSocket(let socket) = try? await upgrade.get() { await socket.run() }
            }
        }
    }
}
