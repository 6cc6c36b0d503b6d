import SubscriptionsTransportWS
import SubscriptionsTransportWSClient
import SubscriptionsTransportWSTesting
import Testing

/// The client against scripted servers: what it sends, and how it copes with servers that
/// misbehave, fall silent or go away.
@Suite("Client against scripted servers")
struct ScriptedServerTests {
    private func configuration(
        _ choice: GraphQLWebSocketClient.ProtocolChoice,
        ackTimeout: Duration? = .seconds(60),
        keepAlive: Duration? = nil,
        reconnect: GraphQLWebSocketClient.Reconnect = .disabled
    ) -> GraphQLWebSocketClient.Configuration {
        GraphQLWebSocketClient.Configuration(
            protocolChoice: choice,
            connectionAckTimeout: ackTimeout,
            keepAlive: keepAlive.map { .enabled(timeout: $0) } ?? .disabled,
            reconnect: reconnect
        )
    }

    @Test("graphql-transport-ws: closing the client sends close 1000")
    func transportWSClosesNormally() async throws {
        let received = Recorder<ScriptedSocket.Received>()
        try await ScriptedServer.run(answering: "graphql-transport-ws") { socket, _ in
            try await socket.acknowledge()
            received.record(try await socket.receive())
        } _: { url in
            try await GraphQLWebSocketClient(url: url, configuration: configuration(.graphQLTransportWS)).withConnection { _ in }
            #expect(await received.waitForCount(1) == [.close(code: 1000)])
        }
    }

    @Test("graphql-ws: closing the client stops live operations, terminates, then closes 1000")
    func graphQLWSTerminates() async throws {
        let received = Recorder<ScriptedSocket.Received>()
        try await ScriptedServer.run(answering: "graphql-ws") { socket, _ in
            try await socket.acknowledge()
            let start = try await socket.receiveMessage()
            received.record(.message(start))
            try await socket.send(["type": "data", "id": start.objectValue?["id"] ?? nil, "payload": ["data": ["counter": 0]]])
            while true {
                let next = try await socket.receive()
                received.record(next)
                if case .message = next { continue }
                return
            }
        } _: { url in
            try await GraphQLWebSocketClient(url: url, configuration: configuration(.graphQLWS)).withConnection { connection in
                var iterator = connection.subscribe(OperationRequest(query: "subscription { counter }")).makeAsyncIterator()
                _ = try await iterator.next()
            }
            #expect(
                await received.waitForCount(4) == [
                    .message(["type": "start", "id": "1", "payload": ["query": "subscription { counter }"]]),
                    .message(["type": "stop", "id": "1"]),
                    .message(["type": "connection_terminate"]),
                    .close(code: 1000),
                ]
            )
        }
    }

    @Test("No connection_ack in time: the client closes 4504 and reports the timeout")
    func ackTimeout() async throws {
        let received = Recorder<ScriptedSocket.Received>()
        try await ScriptedServer.run(answering: "graphql-transport-ws") { socket, _ in
            _ = try await socket.receiveMessage()
            received.record(try await socket.receive())
        } _: { url in
            let client = GraphQLWebSocketClient(url: url, configuration: configuration(.graphQLTransportWS, ackTimeout: .milliseconds(200)))
            await #expect(throws: GraphQLWebSocketClientError.connectionAckTimeout(.milliseconds(200))) {
                try await client.withConnection { _ in }
            }
            #expect(await received.waitForCount(1) == [.close(code: 4504)])
        }
    }

    @Test("graphql-ws: once ka stops arriving, live operations fail with a keep-alive timeout")
    func graphQLWSKeepAliveTimeout() async throws {
        try await ScriptedServer.run(answering: "graphql-ws") { socket, _ in
            try await socket.acknowledge()
            try await socket.send(["type": "ka"])
            while case .message = try await socket.receive() {}
        } _: { url in
            let client = GraphQLWebSocketClient(url: url, configuration: configuration(.graphQLWS, keepAlive: .milliseconds(300)))
            try await client.withConnection { connection in
                await #expect(throws: GraphQLWebSocketClientError.keepAliveTimeout(.milliseconds(300))) {
                    for try await _ in connection.subscribe(OperationRequest(query: "subscription { counter }")) {}
                }
            }
        }
    }

    @Test("graphql-transport-ws: the client pings, and gives up when no pong comes")
    func transportWSKeepAliveTimeout() async throws {
        let received = Recorder<ScriptedSocket.Received>()
        try await ScriptedServer.run(answering: "graphql-transport-ws") { socket, _ in
            try await socket.acknowledge()
            while true {
                let next = try await socket.receive()
                received.record(next)
                guard case .message = next else { return }
            }
        } _: { url in
            let client = GraphQLWebSocketClient(url: url, configuration: configuration(.graphQLTransportWS, keepAlive: .milliseconds(200)))
            try await client.withConnection { connection in
                await #expect(throws: GraphQLWebSocketClientError.keepAliveTimeout(.milliseconds(200))) {
                    for try await _ in connection.subscribe(OperationRequest(query: "subscription { counter }")) {}
                }
            }
            let frames = await received.waitForCount(3)
            #expect(frames.contains(.message(["type": "ping"])))
            #expect(frames.last == .close(code: 4499))
        }
    }

    @Test("Server pings are answered: ping with pong, and WebSocket pings with pong frames")
    func answersPings() async throws {
        let received = Recorder<JSONValue>()
        try await ScriptedServer.run(answering: "graphql-transport-ws") { socket, _ in
            try await socket.acknowledge()
            try await socket.sendPing()
            try await socket.send(["type": "ping", "payload": ["n": 1]])
            received.record(try await socket.receiveMessage())
            let subscribe = try await socket.receiveMessage()
            try await socket.send(["type": "next", "id": subscribe.objectValue?["id"] ?? nil, "payload": ["data": ["hello": "x"]]])
            try await socket.send(["type": "complete", "id": subscribe.objectValue?["id"] ?? nil])
            _ = try await socket.receive()
        } _: { url in
            try await GraphQLWebSocketClient(url: url, configuration: configuration(.graphQLTransportWS)).withConnection { connection in
                #expect(await received.waitForCount(1) == [["type": "pong", "payload": ["n": 1]]])
                let result = try await connection.query(OperationRequest(query: "{ hello }"))
                #expect(result.data == ["hello": "x"])
            }
        }
    }

    @Test("A fragmented message is put back together")
    func fragmentedMessage() async throws {
        let long = String(repeating: "x", count: 10_000)
        try await ScriptedServer.run(answering: "graphql-ws") { socket, _ in
            try await socket.acknowledge()
            let start = try await socket.receiveMessage()
            let id = start.objectValue?["id"] ?? nil
            let data: JSONValue = ["type": "data", "id": id, "payload": ["data": ["hello": .string(long)]]]
            try await socket.sendText(data.encodedString, fragmentSize: 1000)
            try await socket.send(["type": "complete", "id": id])
            _ = try await socket.receive()
        } _: { url in
            try await GraphQLWebSocketClient(url: url, configuration: configuration(.graphQLWS)).withConnection { connection in
                let result = try await connection.query(OperationRequest(query: "{ hello }"))
                #expect(result.data == ["hello": .string(long)])
            }
        }
    }

    @Test("No subprotocol in the answer and a close 1002: no common subprotocol")
    func noSubprotocolAnswered() async throws {
        try await ScriptedServer.run(answering: nil) { socket, _ in
            _ = try await socket.receiveMessage()
            try await socket.sendClose(code: 1002)
            _ = try await socket.receive()
        } _: { url in
            await #expect(
                throws: GraphQLWebSocketClientError.noCommonSubprotocol(offered: ["graphql-transport-ws", "graphql-ws"], answered: nil)
            ) {
                try await GraphQLWebSocketClient(url: url).withConnection { _ in }
            }
        }
    }

    @Test("An answered subprotocol that was not offered is refused")
    func unofferedSubprotocol() async throws {
        let received = Recorder<ScriptedSocket.Received>()
        try await ScriptedServer.run(answering: "graphql-subscriptions") { socket, _ in
            received.record(try await socket.receive())
        } _: { url in
            await #expect(
                throws: GraphQLWebSocketClientError.noCommonSubprotocol(offered: ["graphql-ws"], answered: "graphql-subscriptions")
            ) {
                try await GraphQLWebSocketClient(url: url, configuration: configuration(.graphQLWS)).withConnection { _ in }
            }
            #expect(await received.waitForCount(1) == [.close(code: 1002)])
        }
    }

    @Test("An invalid message from the server closes 4004")
    func invalidServerMessage() async throws {
        let received = Recorder<ScriptedSocket.Received>()
        try await ScriptedServer.run(answering: "graphql-transport-ws") { socket, _ in
            try await socket.acknowledge()
            try await socket.send(["type": "ka"])
            // The client may send its subscribe before it reads the invalid message.
            var next = try await socket.receive()
            while case .message = next { next = try await socket.receive() }
            received.record(next)
        } _: { url in
            try await GraphQLWebSocketClient(url: url, configuration: configuration(.graphQLTransportWS)).withConnection { connection in
                await #expect(throws: GraphQLWebSocketClientError.self) {
                    for try await _ in connection.subscribe(OperationRequest(query: "subscription { counter }")) {}
                }
            }
            #expect(await received.waitForCount(1) == [.close(code: 4004)])
        }
    }

    @Test("A server close ends live operations with its code and reason")
    func serverClose() async throws {
        try await ScriptedServer.run(answering: "graphql-transport-ws") { socket, _ in
            try await socket.acknowledge()
            _ = try await socket.receiveMessage()
            try await socket.sendClose(code: 4500, reason: "Boom")
            _ = try await socket.receive()
        } _: { url in
            try await GraphQLWebSocketClient(url: url, configuration: configuration(.graphQLTransportWS)).withConnection { connection in
                await #expect(throws: GraphQLWebSocketClientError.closed(ConnectionClose(code: 4500, reason: "Boom"))) {
                    for try await _ in connection.subscribe(OperationRequest(query: "subscription { counter }")) {}
                }
            }
        }
    }

    @Test("After a lost connection the client reconnects and subscribes again with the same id", arguments: ["graphql-ws", "graphql-transport-ws"])
    func reconnectResubscribes(subprotocol: String) async throws {
        let starts = Recorder<JSONValue>()
        let next = subprotocol == "graphql-ws" ? "data" : "next"
        try await ScriptedServer.run(answering: subprotocol) { socket, connection in
            try await socket.acknowledge()
            let start = try await socket.receiveMessage()
            starts.record(start)
            let id = start.objectValue?["id"] ?? nil
            if connection == 1 {
                try await socket.send(["type": .string(next), "id": id, "payload": ["data": ["counter": 0]]])
                try await socket.sendClose(code: 1001, reason: "Going away")
            } else {
                try await socket.send(["type": .string(next), "id": id, "payload": ["data": ["counter": 1]]])
                try await socket.send(["type": "complete", "id": id])
            }
            _ = try await socket.receive()
        } _: { url in
            let client = GraphQLWebSocketClient(
                url: url,
                configuration: configuration(
                    subprotocol == "graphql-ws" ? .graphQLWS : .graphQLTransportWS,
                    reconnect: .enabled(maxAttempts: 2, initialDelay: .milliseconds(20))
                )
            )
            try await client.withConnection { connection in
                var values: [JSONValue?] = []
                for try await result in connection.subscribe(OperationRequest(query: "subscription { counter }")) {
                    values.append(result.data?.objectValue?["counter"])
                }
                #expect(values == [0, 1])
            }
            let sent = starts.values
            #expect(sent.count == 2)
            #expect(sent.first == sent.last)
        }
    }
}
