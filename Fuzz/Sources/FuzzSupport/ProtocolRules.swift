@testable import SubscriptionsTransportWS

/// What the invariant checker needs to know of one protocol's server frames, and the client frames
/// the machine programs send.
struct ProtocolRules {
    let name: String
    /// The type of result frames (`data`, `next`).
    let resultType: String
    /// The type of the server's keep-alive frame (`ka`, `ping`).
    let keepAliveType: String
    /// Every frame type the server may send.
    let serverTypes: Set<String>
    /// Whether an `error` frame without an id may be sent (a reply to an invalid message).
    let errorWithoutID: Bool
    /// Whether more than one `connection_ack` may be sent on one connection.
    let repeatedAcks: Bool
    /// Client frames, with `ID` standing for an operation id chosen by the program.
    let clientFrames: [String]
}

/// Operation ids the programs use: `"1"` and `1` name the same operation; the empty string and
/// `null` are invalid ids.
let operationIDs = [#""1""#, #""2""#, "1", #""x""#, #""""#, "null"]

extension ProtocolRules {
    static let graphQLWS = ProtocolRules(
        name: "graphql-ws",
        resultType: "data",
        keepAliveType: "ka",
        serverTypes: ["connection_ack", "connection_error", "ka", "data", "error", "complete"],
        errorWithoutID: true,
        repeatedAcks: true,
        clientFrames: [
            #"{"type":"connection_init","payload":{}}"#,
            #"{"type":"connection_init"}"#,
            #"{"type":"connection_init","payload":{"authToken":"abc"}}"#,
            #"{"id":ID,"type":"start","payload":{"query":"subscription{t}"}}"#,
            #"{"id":ID,"type":"start","payload":{"query":"query S { a }","variables":{"a":1},"operationName":"S"}}"#,
            #"{"id":ID,"type":"start","payload":{"query":"{a}","variables":null,"extensions":{"p":1},"context":"x"}}"#,
            #"{"id":ID,"type":"start"}"#,
            #"{"id":ID,"type":"start","payload":{"query":5}}"#,
            #"{"id":ID,"type":"start","payload":{"query":"{a}","variables":[]}}"#,
            #"{"type":"start","payload":{"query":"{a}"}}"#,
            #"{"id":ID,"type":"stop"}"#,
            #"{"type":"stop"}"#,
            #"{"type":"connection_terminate"}"#,
            #"{"type":"ka"}"#,
            #"{"id":ID,"type":"subscribe","payload":{"query":"{a}"}}"#,
            #"{"id":ID,"type":"data","payload":{}}"#,
            #"{"type":"connection_ack"}"#,
            #"{}"#,
            "null",
            "[]",
            "42",
            "HI",
            #"{"type":"connection_init","payload":{},"foo":1}"#,
        ]
    )

    static let graphQLTransportWS = ProtocolRules(
        name: "graphql-transport-ws",
        resultType: "next",
        keepAliveType: "ping",
        serverTypes: ["connection_ack", "ping", "pong", "next", "error", "complete"],
        errorWithoutID: false,
        repeatedAcks: false,
        clientFrames: [
            #"{"type":"connection_init"}"#,
            #"{"type":"connection_init","payload":{"itsa":"me"}}"#,
            #"{"type":"connection_init","payload":null}"#,
            #"{"type":"connection_init","payload":0}"#,
            #"{"type":"ping"}"#,
            #"{"type":"ping","payload":{"iCome":"back"}}"#,
            #"{"type":"pong","payload":{"a":1}}"#,
            #"{"id":ID,"type":"subscribe","payload":{"query":"subscription{t}"}}"#,
            #"{"id":ID,"type":"subscribe","payload":{"query":"{a}","variables":null,"operationName":null,"extensions":null}}"#,
            #"{"id":ID,"type":"subscribe","payload":{"query":"{a}","variables":{"v":[1,2.5,true]},"operationName":"Q"}}"#,
            #"{"id":ID,"type":"subscribe","payload":{}}"#,
            #"{"id":ID,"type":"subscribe","payload":{"query":"{a}","operationName":0}}"#,
            #"{"id":ID,"type":"complete"}"#,
            #"{"type":"complete"}"#,
            #"{"id":ID,"type":"next","payload":{}}"#,
            #"{"type":"connection_ack"}"#,
            #"{"type":"start","id":"1","payload":{"query":"{a}"}}"#,
            #"{"type":""}"#,
            #"{"type":0}"#,
            #"{}"#,
            "[]",
            "not json",
        ]
    )
}
