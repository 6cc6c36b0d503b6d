import GraphQL
import SubscriptionsPubSub
import SubscriptionsTransportWS
import SubscriptionsTransportWSGraphQL

/// The chat example: `post` publishes a message to its channel's topic, `messages` streams a
/// channel's messages from the pub/sub engine, so posts reach subscribers on every server process
/// that shares the engine (PostgreSQL).
///
/// ```graphql
/// type Message { id: ID!  channel: String!  text: String! }
/// type Mutation { post(text: String!, channel: String = "general"): Message! }
/// type Subscription { messages(channel: String = "general"): Message! }
/// ```
enum ChatSchema {
    /// One chat message; its id is the event's sequence number in the engine.
    struct Message: Sendable {
        let id: String
        let channel: String
        let text: String

        /// Decodes a published event: the payload is the JSON object `{"channel", "text"}`.
        init?(_ event: PubSubEvent) {
            guard case .object(let object)? = try? JSONValue.parse(event.payload),
                let channel = object["channel"]?.stringValue, let text = object["text"]?.stringValue
            else { return nil }
            self.id = String(event.sequence)
            self.channel = channel
            self.text = text
        }

        init(id: String, channel: String, text: String) {
            self.id = id
            self.channel = channel
            self.text = text
        }
    }

    static func topic(_ channel: String) -> String { "chat:\(channel)" }

    static let messageType: GraphQLObjectType = {
        func field(_ value: @escaping @Sendable (Message) -> String, type: GraphQLScalarType, description: String) -> GraphQLField {
            GraphQLField(type: GraphQLNonNull(type), description: description) { source, _, _, _ in (source as? Message).map(value) }
        }
        // A fixed, valid definition: it cannot fail.
        return try! GraphQLObjectType(
            name: "Message",
            description: "One chat message.",
            fields: [
                "id": field(\.id, type: GraphQLID, description: "The message's sequence number in the pub/sub engine."),
                "channel": field(\.channel, type: GraphQLString, description: "The channel it was posted to."),
                "text": field(\.text, type: GraphQLString, description: "What it says."),
            ]
        )
    }()

    /// What the demo server knows of a connection: its context.
    static let connectionType = try! GraphQLObjectType(
        name: "Connection",
        description: "A client's connection.",
        fields: [
            "clientAddress": GraphQLField(
                type: GraphQLString,
                description:
                    "The client's address: the TCP peer's, or behind a proxy trusted with --trust-forwarded-host the one the proxy reports.",
                resolve: { source, _, _, _ in (source as? JSONObject)?["clientAddress"]?.stringValue }
            ),
            "user": GraphQLField(
                type: GraphQLString,
                description: "The subject of the connection's token, with --auth-secret.",
                resolve: { source, _, _, _ in (source as? JSONObject)?["user"]?.stringValue }
            ),
        ]
    )

    /// The example schema with the chat fields, on `pubSub`.
    static func make(pubSub: any PubSub) throws -> GraphQLSchema {
        try ExampleSchema.make(
            queryFields: [
                "connection": GraphQLField(
                    type: GraphQLNonNull(connectionType),
                    description: "The connection this operation runs on, as the server sees it.",
                    resolve: { _, _, context, _ in context as? JSONObject ?? [:] }
                )
            ],
            mutationFields: [
                "post": GraphQLField(
                    type: GraphQLNonNull(messageType),
                    description: "Posts a message to a channel: every subscriber of `messages` on that channel receives it.",
                    args: [
                        "text": GraphQLArgument(type: GraphQLNonNull(GraphQLString), description: "The message."),
                        "channel": GraphQLArgument(type: GraphQLString, description: "The channel to post to.", defaultValue: "general"),
                    ],
                    resolve: { _, arguments, _, _ in
                        let channel = arguments["channel"].string ?? "general"
                        let text = try arguments["text"].stringValue()
                        let payload: JSONValue = ["channel": .string(channel), "text": .string(text)]
                        let sequence = try await pubSub.publish(topic: topic(channel), payload: payload.encoded)
                        return Message(id: String(sequence), channel: channel, text: text)
                    }
                )
            ],
            subscriptionFields: [
                "messages": GraphQLField(
                    type: GraphQLNonNull(messageType),
                    description: "The messages posted to a channel from now on, as they are posted.",
                    args: ["channel": GraphQLArgument(type: GraphQLString, description: "The channel to follow.", defaultValue: "general")],
                    // Each event is the root value of its execution: the message.
                    resolve: { source, _, _, _ in source },
                    subscribe: { _, arguments, _, _ in
                        let channel = arguments["channel"].string ?? "general"
                        let events = try await pubSub.subscribe(topic: topic(channel))
                        return events.compactMap { @Sendable event in Message(event) }
                    }
                )
            ],
            types: [messageType, connectionType]
        )
    }
}
