import JWTKit
import SubscriptionsTransportWS

/// The demo server's authentication with `--auth-secret`: every connection must carry a JSON Web
/// Token signed with the secret (HS256), either in the upgrade request's `Authorization: Bearer`
/// header or in the `connection_init` payload (`{"authorization": "Bearer <token>"}` or
/// `{"token": "<token>"}`, as browsers cannot set headers on a WebSocket). A missing, badly signed or
/// expired token is refused: close 4403 on `graphql-transport-ws`, `connection_error` on
/// `graphql-ws`. The accepted connection's context is the init payload with the token's subject
/// added as `user`.
struct TokenAuthentication: Sendable {
    /// The claims the demo server reads: the subject, and the expiry, which is required.
    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim

        func verify(using algorithm: some JWTAlgorithm) throws {
            try exp.verifyNotExpired()
        }
    }

    private let keys: JWTKeyCollection

    /// Verifies tokens signed with `secret` (at least 32 bytes, checked by the command line).
    init(secret: String) async {
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
    }

    /// The connect hook: accepts a connection whose token verifies.
    func decide(_ payload: JSONObject, _ request: UpgradeRequest) async -> ConnectionDecision<JSONObject> {
        guard let token = request.bearerToken ?? Self.token(in: payload) else {
            return .reject(message: "Forbidden: no token")
        }
        do {
            let claims = try await keys.verify(token, as: Claims.self)
            var context = payload
            context["user"] = .string(claims.sub.value)
            return .accept(context)
        } catch {
            return .reject(message: "Forbidden: invalid token")
        }
    }

    /// The token of an init payload: `authorization` (with or without `Bearer `) or `token`.
    static func token(in payload: JSONObject) -> String? {
        if case .string(let value)? = payload["authorization"] ?? payload["Authorization"] {
            let parts = value.split(separator: " ", maxSplits: 1)
            return parts.count == 2 && parts[0].lowercased() == "bearer" ? String(parts[1]) : value
        }
        if case .string(let value)? = payload["token"] { return value }
        return nil
    }
}
