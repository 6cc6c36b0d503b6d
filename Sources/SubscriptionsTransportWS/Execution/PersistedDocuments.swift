/// An allow-list of GraphQL documents keyed by the SHA-256 hash of their text (trusted or persisted
/// documents): operations run only if their document is in the list.
///
/// A client names a document by its hash in `extensions.persistedQuery.sha256Hash` (as Apollo's
/// persisted-query link sends it), with the document itself or with an empty `query` (both
/// protocols require the `query` field); a document sent without a hash runs if its hash is listed.
/// Anything else is answered with the GraphQL errors Apollo's clients understand:
///
/// - a hash not in the list: `PersistedQueryNotFound` (`extensions.code` `PERSISTED_QUERY_NOT_FOUND`);
/// - a document whose hash is not in the list: `PersistedQueryNotInList`
///   (`PERSISTED_QUERY_NOT_IN_LIST`);
/// - a hash that is not the hash of the document sent with it: `provided sha does not match query`
///   (`BAD_REQUEST`).
///
/// Install it as the `onOperation` hook, which reports thrown GraphQL errors for the operation:
///
/// ```swift
/// let documents = PersistedDocuments(documents: [counterSubscription, chatSubscription])
/// var hooks = ServerHooks<JSONObject>()
/// hooks.onOperation = { _, request, _ in try documents.resolve(request) }
/// ```
public struct PersistedDocuments: Sendable {
    /// The listed documents by the lower-case hex SHA-256 of their UTF-8 text.
    public let documentsByHash: [String: String]

    /// Lists `documents`, each under the SHA-256 hash of its text.
    public init(documents: some Sequence<String>) {
        var byHash: [String: String] = [:]
        for document in documents { byHash[SHA256.hexDigest(of: Array(document.utf8))] = document }
        documentsByHash = byHash
    }

    /// The request to execute: with the listed document named by its hash, or as sent if its
    /// document is listed.
    ///
    /// - Throws: ``GraphQLRequestError`` with the error Apollo's clients understand when the request
    ///   names no listed document.
    public func resolve(_ request: OperationRequest) throws(GraphQLRequestError) -> OperationRequest {
        let sentHash = Self.sentHash(request)
        let documentHash = request.query.isEmpty ? nil : SHA256.hexDigest(of: Array(request.query.utf8))
        if let sentHash {
            if let documentHash, documentHash != sentHash {
                throw Self.error("provided sha does not match query", code: "BAD_REQUEST")
            }
            guard let document = documentsByHash[sentHash] else {
                throw Self.error("PersistedQueryNotFound", code: "PERSISTED_QUERY_NOT_FOUND")
            }
            var resolved = request
            resolved.query = document
            return resolved
        }
        guard let documentHash, documentsByHash[documentHash] != nil else {
            throw Self.error("PersistedQueryNotInList", code: "PERSISTED_QUERY_NOT_IN_LIST")
        }
        return request
    }

    /// The hash in `extensions.persistedQuery.sha256Hash`, in lower case.
    private static func sentHash(_ request: OperationRequest) -> String? {
        guard case .object(let persisted)? = request.extensions?["persistedQuery"],
            case .string(let hash)? = persisted["sha256Hash"]
        else { return nil }
        return hash.lowercased()
    }

    private static func error(_ message: String, code: String) -> GraphQLRequestError {
        GraphQLRequestError([GraphQLFormattedError(message: message, extensions: ["code": .string(code)])])
    }
}

/// SHA-256 (FIPS 180-4), for the hashes of persisted documents.
enum SHA256 {
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// The digest of `message`, as 64 lower-case hex digits.
    static func hexDigest(of message: [UInt8]) -> String {
        var hash: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        var padded = message
        padded.append(0x80)
        while padded.count % 64 != 56 { padded.append(0) }
        let bitLength = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) { padded.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        var schedule = [UInt32](repeating: 0, count: 64)
        for block in stride(from: 0, to: padded.count, by: 64) {
            for index in 0..<16 {
                let offset = block + index * 4
                schedule[index] =
                    UInt32(padded[offset]) << 24 | UInt32(padded[offset + 1]) << 16 | UInt32(padded[offset + 2]) << 8
                    | UInt32(padded[offset + 3])
            }
            for index in 16..<64 {
                let s0 = rotate(schedule[index - 15], 7) ^ rotate(schedule[index - 15], 18) ^ (schedule[index - 15] >> 3)
                let s1 = rotate(schedule[index - 2], 17) ^ rotate(schedule[index - 2], 19) ^ (schedule[index - 2] >> 10)
                schedule[index] = schedule[index - 16] &+ s0 &+ schedule[index - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = (hash[0], hash[1], hash[2], hash[3], hash[4], hash[5], hash[6], hash[7])
            for index in 0..<64 {
                let s1 = rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)
                let choice = (e & f) ^ (~e & g)
                let temp1 = h &+ s1 &+ choice &+ roundConstants[index] &+ schedule[index]
                let s0 = rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)
                let majority = (a & b) ^ (a & c) ^ (b & c)
                let temp2 = s0 &+ majority
                (h, g, f, e, d, c, b, a) = (g, f, e, d &+ temp1, c, b, a, temp1 &+ temp2)
            }
            for (index, value) in [a, b, c, d, e, f, g, h].enumerated() { hash[index] = hash[index] &+ value }
        }
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(64)
        for word in hash {
            for shift in stride(from: 28, through: 0, by: -4) { hex.append(digits[Int((word >> UInt32(shift)) & 0xF)]) }
        }
        return String(decoding: hex, as: UTF8.self)
    }

    private static func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 {
        (value >> count) | (value << (32 - count))
    }
}
