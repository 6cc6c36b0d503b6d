import ArgumentParser
import HTTPTypes
import NIOSSL
import SubscriptionsTransportWS
import SubscriptionsTransportWSClient

/// The subprotocol choice on the command line.
enum ProtocolOption: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto
    case graphQLWS = "graphql-ws"
    case graphQLTransportWS = "graphql-transport-ws"

    var choice: GraphQLWebSocketClient.ProtocolChoice {
        switch self {
        case .auto: .automatic
        case .graphQLWS: .graphQLWS
        case .graphQLTransportWS: .graphQLTransportWS
        }
    }
}

/// The options both commands share: where to connect, how, and what to run.
struct ConnectionOptions: ParsableArguments {
    @Argument(help: "The server's URL (ws://, wss://, http:// or https://).")
    var url: String

    @Option(name: [.short, .long], help: "The GraphQL document.")
    var query: String

    @Option(help: ArgumentHelp("The variables, as a JSON object.", valueName: "json"))
    var variables: String?

    @Option(help: ArgumentHelp("The operation to run, when the document has several.", valueName: "name"))
    var operationName: String?

    @Option(
        name: .customLong("protocol"),
        help: ArgumentHelp(
            "The subprotocol: auto offers graphql-transport-ws then graphql-ws and lets the server pick.",
            valueName: "protocol"
        )
    )
    var protocolOption: ProtocolOption = .auto

    @Option(help: ArgumentHelp("The connection_init payload, as a JSON object.", valueName: "json"))
    var initPayload: String?

    @Option(
        name: [.customShort("H"), .long],
        help: ArgumentHelp("An extra upgrade request header; repeatable.", valueName: "name: value")
    )
    var header: [String] = []

    @Option(help: ArgumentHelp("Seconds to wait for connection_ack (0: for ever).", valueName: "seconds"))
    var ackTimeout: Double = 10

    @Option(
        help: ArgumentHelp(
            "Seconds without a sign of life (ka, or pong to our ping) before giving up (0: off).",
            valueName: "seconds"
        )
    )
    var keepAlive: Double = 30

    @Flag(help: "Reconnect (up to 5 times in a row) when the connection is lost, and resubscribe.")
    var reconnect = false

    @Flag(help: "Indent each result for people even when standard output is not a terminal (on a terminal they are by default).")
    var pretty = false

    @Flag(help: "Print each result as one compact line even on a terminal (elsewhere they are by default).")
    var compact = false

    @Flag(name: [.short, .long], help: "Print the negotiated subprotocol to standard error.")
    var verbose = false

    @Option(
        name: .customLong("ca-file"),
        help: ArgumentHelp(
            "A PEM file of certificate authorities to trust for wss:// instead of the system's (a private CA). The server's host name is verified either way.",
            valueName: "file"
        )
    )
    var caFile: String?

    func validate() throws {
        if pretty && compact { throw ValidationError("--pretty and --compact cannot be used together.") }
        _ = try request()
        _ = try configuration()
        guard ackTimeout >= 0, ackTimeout.isFinite, keepAlive >= 0, keepAlive.isFinite else {
            throw ValidationError("Timeouts must be zero or more seconds.")
        }
    }

    /// The operation to run.
    func request() throws -> OperationRequest {
        var request = OperationRequest(query: query, operationName: operationName)
        if let variables {
            request.variables = try Self.parseObject(variables, option: "--variables")
        }
        return request
    }

    /// The client configuration.
    func configuration() throws -> GraphQLWebSocketClient.Configuration {
        GraphQLWebSocketClient.Configuration(
            protocolChoice: protocolOption.choice,
            initPayload: try initPayload.map { try Self.parseObject($0, option: "--init-payload") },
            headers: try Self.parseHeaders(header),
            connectionAckTimeout: ackTimeout > 0 ? .seconds(ackTimeout) : nil,
            keepAlive: keepAlive > 0 ? .enabled(timeout: .seconds(keepAlive)) : .disabled,
            reconnect: reconnect ? .enabled() : .disabled,
            tlsConfiguration: tlsConfiguration()
        )
    }

    /// TLS settings trusting `--ca-file`, or `nil` for the system's trust roots.
    func tlsConfiguration() -> TLSConfiguration? {
        guard let caFile else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .file(caFile)
        return configuration
    }

    /// The client.
    func client() throws -> GraphQLWebSocketClient {
        GraphQLWebSocketClient(url: url, configuration: try configuration())
    }

    static func parseObject(_ text: String, option: String) throws -> JSONObject {
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw ValidationError("\(option) is not valid JSON: \(error.message)")
        }
        guard case .object(let object) = value else {
            throw ValidationError("\(option) must be a JSON object")
        }
        return object
    }

    static func parseHeaders(_ headers: [String]) throws -> HTTPFields {
        var fields = HTTPFields()
        for header in headers {
            guard let colon = header.firstIndex(of: ":"),
                let name = HTTPField.Name(String(header[..<colon]).trimmingSpaces())
            else {
                throw ValidationError("--header must look like 'Name: value', not '\(header)'")
            }
            fields.append(HTTPField(name: name, value: String(header[header.index(after: colon)...]).trimmingSpaces()))
        }
        return fields
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
