import Foundation
import PostgresNIO
import SubscriptionsPubSub

/// Reads libpq-style connection URLs, which postgres-nio 1.33 does not.
enum PostgresURL {
    static func clientConfiguration(_ url: String) throws -> PostgresClient.Configuration {
        func invalid(_ reason: String) -> PubSubError {
            PubSubError(code: .invalidConfiguration, message: "invalid PostgreSQL URL: \(reason)")
        }
        guard let components = URLComponents(string: url),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else {
            throw invalid("expected postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else { throw invalid("no host") }
        guard let user = components.user, !user.isEmpty else { throw invalid("no user") }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path

        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        let tls: PostgresClient.Configuration.TLS
        switch sslMode {
        case "disable":
            tls = .disable
        case "allow", "prefer", "require":
            // libpq encrypts in these modes but checks no certificate; do the same.
            var unverified = TLSConfiguration.makeClientConfiguration()
            unverified.certificateVerification = .none
            tls = sslMode == "require" ? .require(unverified) : .prefer(unverified)
        case "verify-ca":
            var noHostName = TLSConfiguration.makeClientConfiguration()
            noHostName.certificateVerification = .noHostnameVerification
            tls = .require(noHostName)
        case "verify-full":
            tls = .require(.makeClientConfiguration())
        default:
            throw invalid("unknown sslmode '\(sslMode)'")
        }

        return PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: user,
            password: components.password,
            database: database.isEmpty ? nil : database,
            tls: tls
        )
    }
}
