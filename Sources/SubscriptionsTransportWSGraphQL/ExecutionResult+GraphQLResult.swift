import GraphQL
import SubscriptionsTransportWS

extension ExecutionResult {
    /// Encodes a GraphQLSwift result as `{"data":…,"errors":[…]}`.
    ///
    /// `data` keeps the order of the selected fields and is left out when the result has none;
    /// `errors` is left out when empty. Each error is `{message, locations?, path?, extensions?}`,
    /// without empty members. A result with neither data nor errors is written as `{"data":null}`.
    ///
    /// - Parameter result: The result of `execute` or of one subscription event.
    public init(_ result: GraphQLResult) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128)
        bytes.appendGraphQLResult(result)
        self.init(encodedJSON: bytes)
    }
}
