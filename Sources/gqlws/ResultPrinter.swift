import Foundation
import SubscriptionsTransportWS
import SubscriptionsTransportWSClient

/// Prints results to standard output: one compact line each, or indented for people.
///
/// Object members are sorted by name, so the same result always prints the same way.
struct ResultPrinter: Sendable {
    var pretty: Bool

    func print(_ result: GraphQLResponse) {
        var text = ""
        Self.append(result.jsonValue, to: &text, indent: pretty ? 0 : nil)
        // Written at once rather than through `print`'s buffer, so that lines reach a pipe as they come.
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Appends `value`; `indent` is the current depth when pretty-printing, `nil` for compact output.
    static func append(_ value: JSONValue, to text: inout String, indent: Int?) {
        switch value {
        case .array(let elements) where !elements.isEmpty:
            text += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { text += "," }
                newline(&text, indent.map { $0 + 1 })
                append(element, to: &text, indent: indent.map { $0 + 1 })
            }
            newline(&text, indent)
            text += "]"
        case .object(let members) where !members.isEmpty:
            text += "{"
            for (offset, key) in members.keys.sorted().enumerated() {
                if offset > 0 { text += "," }
                newline(&text, indent.map { $0 + 1 })
                text += JSONValue.string(key).encodedString
                text += indent == nil ? ":" : ": "
                append(members[key]!, to: &text, indent: indent.map { $0 + 1 })
            }
            newline(&text, indent)
            text += "}"
        default:
            text += value.encodedString
        }
    }

    private static func newline(_ text: inout String, _ indent: Int?) {
        guard let indent else { return }
        text += "\n" + String(repeating: "  ", count: indent)
    }
}
