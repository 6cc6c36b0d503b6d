import SubscriptionsPubSub
import SubscriptionsPubSubPostgres
import Testing

@Suite("PostgreSQL engine configuration")
struct PostgresConfigurationTests {
    @Test("a libpq URL sets host, port, user, password and database")
    func url() throws {
        let configuration = try PostgresPubSub.Configuration(url: "postgres://app:s%40cret@db.example:6543/chat?sslmode=disable")
        #expect(configuration.client.host == "db.example")
        #expect(configuration.client.port == 6543)
        #expect(configuration.client.username == "app")
        #expect(configuration.client.password == "s@cret")
        #expect(configuration.client.database == "chat")
        #expect(configuration.tablePrefix == "pubsub")
        let defaults = try PostgresPubSub.Configuration(url: "postgresql://app@localhost")
        #expect(defaults.client.port == 5432)
        #expect(defaults.client.database == nil)
    }

    @Test(
        "malformed URLs are refused with invalidConfiguration",
        arguments: ["mysql://a@b/c", "postgres://host-without-user/db", "not a url", "postgres://a@b/c?sslmode=sometimes"]
    )
    func badURL(url: String) {
        let error = #expect(throws: PubSubError.self) { try PostgresPubSub.Configuration(url: url) }
        #expect(error?.code == .invalidConfiguration)
    }

    @Test("table prefixes must be plain lowercase identifiers", arguments: ["Chat", "1abc", "", "a-b", "a;drop", String(repeating: "a", count: 41)])
    func badPrefix(prefix: String) {
        let error = #expect(throws: PubSubError.self) {
            try PostgresPubSub(url: "postgres://a@127.0.0.1/b", tablePrefix: prefix)
        }
        #expect(error?.code == .invalidConfiguration)
    }

    @Test("good prefixes are accepted without touching the database")
    func goodPrefix() throws {
        _ = try PostgresPubSub(url: "postgres://a@127.0.0.1/b", tablePrefix: "chat_app_2")
    }
}
