import SubscriptionsTransportWS
import Testing

@testable import SubscriptionsTransportWSClient

@Suite("Client state machine")
struct ClientStateMachineTests {
    let t0 = ContinuousClock.now
    let hello = OperationRequest(query: "{ hello }")

    private func machine(
        initPayload: JSONObject? = nil,
        ackTimeout: Duration? = .seconds(10),
        keepAlive: Duration? = .seconds(30)
    ) -> ClientStateMachine {
        ClientStateMachine(initPayload: initPayload, connectionAckTimeout: ackTimeout, keepAliveTimeout: keepAlive)
    }

    private func frame(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("Opening sends connection_init with the payload", arguments: [WebSocketSubprotocol.graphQLWS, .graphQLTransportWS])
    func openingSendsInit(subprotocol: WebSocketSubprotocol) {
        var machine = machine(initPayload: ["token": "t"])
        #expect(machine.opened(subprotocol: subprotocol, now: t0) == [.send(.connectionInit(payload: ["token": "t"]))])
        #expect(machine.phase == .awaitingAck(since: t0))
    }

    @Test("Operations wait for the ack and are sent with it, in order", arguments: [WebSocketSubprotocol.graphQLWS, .graphQLTransportWS])
    func operationsWaitForAck(subprotocol: WebSocketSubprotocol) {
        var machine = machine()
        _ = machine.opened(subprotocol: subprotocol, now: t0)
        #expect(machine.subscribe(id: "1", request: hello) == [])
        let counter = OperationRequest(query: "subscription { counter }")
        #expect(machine.subscribe(id: "2", request: counter) == [])
        #expect(
            machine.received(frame(#"{"type":"connection_ack","payload":{"v":1}}"#), now: t0)
                == [
                    .acknowledged(payload: ["v": 1]),
                    .send(.subscribe(id: "1", request: hello)),
                    .send(.subscribe(id: "2", request: counter)),
                ]
        )
        #expect(machine.subscribe(id: "3", request: hello) == [.send(.subscribe(id: "3", request: hello))])
    }

    @Test("Results, completion and errors reach the operation; unknown ids are ignored")
    func results() {
        var machine = machine()
        _ = machine.opened(subprotocol: .graphQLTransportWS, now: t0)
        _ = machine.received(frame(#"{"type":"connection_ack"}"#), now: t0)
        _ = machine.subscribe(id: "1", request: hello)
        _ = machine.subscribe(id: "2", request: hello)
        #expect(
            machine.received(frame(#"{"type":"next","id":"1","payload":{"data":{"hello":"x"}}}"#), now: t0)
                == [.deliver(id: "1", GraphQLResponse(payload: ["data": ["hello": "x"]]))]
        )
        #expect(machine.received(frame(#"{"type":"complete","id":"1"}"#), now: t0) == [.complete(id: "1")])
        #expect(machine.received(frame(#"{"type":"next","id":"1","payload":{"data":{}}}"#), now: t0) == [])
        #expect(
            machine.received(frame(#"{"type":"error","id":"2","payload":[{"message":"bad"}]}"#), now: t0)
                == [.fail(id: "2", GraphQLOperationError(errors: [.init(message: "bad")]))]
        )
        #expect(machine.received(frame(#"{"type":"complete","id":"9"}"#), now: t0) == [])
        #expect(machine.operationIDs.isEmpty)
    }

    @Test("graphql-ws validation errors arrive as a result with errors, then complete")
    func graphQLWSValidationErrors() {
        var machine = machine()
        _ = machine.opened(subprotocol: .graphQLWS, now: t0)
        _ = machine.received(frame(#"{"type":"connection_ack"}"#), now: t0)
        _ = machine.subscribe(id: "1", request: hello)
        let actions = machine.received(frame(#"{"type":"data","id":"1","payload":{"errors":[{"message":"nope"}]}}"#), now: t0)
        guard case .deliver(_, let response) = actions.first else {
            Issue.record("Expected a result, got \(actions)")
            return
        }
        #expect(response.errors == [.init(message: "nope")])
        #expect(response.data == nil)
        #expect(machine.received(frame(#"{"type":"complete","id":"1","payload":null}"#), now: t0) == [.complete(id: "1")])
    }

    @Test("Cancelling a sent operation sends stop or complete; an unsent one sends nothing")
    func cancel() {
        for (subprotocol, expected) in [(WebSocketSubprotocol.graphQLWS, "stop"), (.graphQLTransportWS, "complete")] {
            var machine = machine()
            _ = machine.opened(subprotocol: subprotocol, now: t0)
            _ = machine.subscribe(id: "1", request: hello)
            #expect(machine.cancel(id: "1") == [])
            _ = machine.received(frame(#"{"type":"connection_ack"}"#), now: t0)
            _ = machine.subscribe(id: "2", request: hello)
            let actions = machine.cancel(id: "2")
            #expect(actions == [.send(.stop(id: "2"))])
            #expect(ClientMessage.stop(id: "2").encoded(for: subprotocol).contains(#""type":"\#(expected)""#))
            #expect(machine.cancel(id: "2") == [])
        }
    }

    @Test("A ping is answered with a pong carrying its payload, even before the ack")
    func pingPong() {
        var machine = machine()
        _ = machine.opened(subprotocol: .graphQLTransportWS, now: t0)
        #expect(machine.received(frame(#"{"type":"ping","payload":{"n":1}}"#), now: t0) == [.send(.pong(payload: ["n": 1]))])
        #expect(machine.received(frame(#"{"type":"ping"}"#), now: t0) == [.send(.pong(payload: nil))])
    }

    @Test("No ack in time closes 4504")
    func ackTimeout() {
        var machine = machine(ackTimeout: .seconds(3))
        _ = machine.opened(subprotocol: .graphQLTransportWS, now: t0)
        #expect(machine.tick(now: t0 + .seconds(2)) == [])
        #expect(
            machine.tick(now: t0 + .seconds(3))
                == [.close(code: 4504, reason: "Connection acknowledgement timeout", error: .connectionAckTimeout(.seconds(3)))]
        )
        #expect(machine.phase == .closing)
        #expect(machine.received(frame(#"{"type":"connection_ack"}"#), now: t0 + .seconds(4)) == [])
    }

    @Test("graphql-ws keep-alive: watched only after the first ka, then any message counts")
    func graphQLWSKeepAlive() {
        var machine = machine(keepAlive: .seconds(30))
        _ = machine.opened(subprotocol: .graphQLWS, now: t0)
        _ = machine.received(frame(#"{"type":"connection_ack"}"#), now: t0)
        #expect(machine.tick(now: t0 + .seconds(100)) == [])
        _ = machine.received(frame(#"{"type":"ka"}"#), now: t0 + .seconds(100))
        #expect(machine.tick(now: t0 + .seconds(120)) == [])
        _ = machine.received(frame(#"{"type":"complete","id":"9"}"#), now: t0 + .seconds(125))
        #expect(machine.tick(now: t0 + .seconds(150)) == [])
        #expect(
            machine.tick(now: t0 + .seconds(155))
                == [.close(code: 4499, reason: "Keep-alive timeout", error: .keepAliveTimeout(.seconds(30)))]
        )
    }

    @Test("graphql-transport-ws keep-alive: ping after the interval, close when no pong follows")
    func graphQLTransportWSKeepAlive() {
        var machine = machine(keepAlive: .seconds(10))
        _ = machine.opened(subprotocol: .graphQLTransportWS, now: t0)
        _ = machine.received(frame(#"{"type":"connection_ack"}"#), now: t0)
        #expect(machine.tick(now: t0 + .seconds(9)) == [])
        #expect(machine.tick(now: t0 + .seconds(10)) == [.send(.ping(payload: nil))])
        #expect(machine.tick(now: t0 + .seconds(15)) == [])
        _ = machine.received(frame(#"{"type":"pong"}"#), now: t0 + .seconds(15))
        #expect(machine.tick(now: t0 + .seconds(19)) == [])
        #expect(machine.tick(now: t0 + .seconds(20)) == [.send(.ping(payload: nil))])
        #expect(
            machine.tick(now: t0 + .seconds(30))
                == [.close(code: 4499, reason: "Keep-alive timeout", error: .keepAliveTimeout(.seconds(10)))]
        )
    }

    @Test("Disabled timeouts never fire")
    func disabledTimeouts() {
        var machine = machine(ackTimeout: nil, keepAlive: nil)
        _ = machine.opened(subprotocol: .graphQLTransportWS, now: t0)
        #expect(machine.tick(now: t0 + .seconds(1000)) == [])
        _ = machine.received(frame(#"{"type":"connection_ack"}"#), now: t0)
        #expect(machine.tick(now: t0 + .seconds(1000)) == [])
    }

    @Test("An invalid message closes 4004")
    func invalidMessage() {
        var machine = machine()
        _ = machine.opened(subprotocol: .graphQLTransportWS, now: t0)
        let actions = machine.received(frame(#"{"type":"ka"}"#), now: t0)
        #expect(actions.count == 1)
        guard case .close(4004, _, .invalidServerMessage?)? = actions.first else {
            Issue.record("Expected a 4004 close, got \(actions)")
            return
        }
    }

    @Test("connection_error rejects the connection")
    func connectionError() {
        var machine = machine()
        _ = machine.opened(subprotocol: .graphQLWS, now: t0)
        #expect(
            machine.received(frame(#"{"type":"connection_error","payload":{"message":"denied"}}"#), now: t0)
                == [.close(code: 1000, reason: "Normal Closure", error: .connectionRejected(payload: ["message": "denied"]))]
        )
    }

    @Test("Shutting down: graphql-ws stops each operation and terminates; graphql-transport-ws just closes")
    func shutdown() {
        var graphQLWS = machine()
        _ = graphQLWS.opened(subprotocol: .graphQLWS, now: t0)
        _ = graphQLWS.received(frame(#"{"type":"connection_ack"}"#), now: t0)
        _ = graphQLWS.subscribe(id: "1", request: hello)
        _ = graphQLWS.subscribe(id: "2", request: hello)
        #expect(
            graphQLWS.shutdown()
                == [
                    .send(.stop(id: "1")), .send(.stop(id: "2")), .send(.connectionTerminate),
                    .close(code: 1000, reason: "Normal Closure", error: nil),
                ]
        )

        var transportWS = machine()
        _ = transportWS.opened(subprotocol: .graphQLTransportWS, now: t0)
        _ = transportWS.received(frame(#"{"type":"connection_ack"}"#), now: t0)
        _ = transportWS.subscribe(id: "1", request: hello)
        #expect(transportWS.shutdown() == [.close(code: 1000, reason: "Normal Closure", error: nil)])
        #expect(transportWS.operationIDs.isEmpty)
    }

    @Test("After a lost connection, live operations are sent again once the new one is acknowledged")
    func resubscribeAfterReconnect() {
        var machine = machine()
        _ = machine.opened(subprotocol: .graphQLWS, now: t0)
        _ = machine.received(frame(#"{"type":"connection_ack"}"#), now: t0)
        _ = machine.subscribe(id: "1", request: hello)
        _ = machine.subscribe(id: "2", request: hello)
        _ = machine.received(frame(#"{"type":"complete","id":"1"}"#), now: t0)
        machine.connectionLost()
        #expect(machine.phase == .disconnected)
        #expect(machine.cancel(id: "9") == [])
        _ = machine.subscribe(id: "3", request: hello)
        #expect(machine.opened(subprotocol: .graphQLTransportWS, now: t0) == [.send(.connectionInit(payload: nil))])
        #expect(
            machine.received(frame(#"{"type":"connection_ack"}"#), now: t0)
                == [
                    .acknowledged(payload: nil),
                    .send(.subscribe(id: "2", request: hello)),
                    .send(.subscribe(id: "3", request: hello)),
                ]
        )
    }
}
