import Foundation
import SubscriptionsTransportWS
import SubscriptionsTransportWSClient

/// Prints results to standard output: one compact line each, or indented for people, optionally
/// with ANSI colours (keys, strings, numbers, booleans and null each their own).
///
/// Object members are sorted by name, so the same result always prints the same way.
struct ResultPrinter: Sendable {
    var pretty: Bool
    var colored = false

    /// The printer for a command's options and where standard output goes: on a terminal results are
    /// indented (unless `--compact`) and coloured (unless `NO_COLOR` is set); elsewhere one compact line
    /// each (unless `--pretty`) and never coloured.
    init(options: ConnectionOptions, outputIsTerminal: Bool = Terminal.standardOutputIsTerminal, noColor: Bool = Terminal.noColor) {
        pretty = options.pretty || (outputIsTerminal && !options.compact)
        colored = outputIsTerminal && !noColor
    }

    init(pretty: Bool, colored: Bool = false) {
        self.pretty = pretty
        self.colored = colored
    }

    func print(_ result: GraphQLResponse) {
        var text = ""
        Self.append(result.jsonValue, to: &text, indent: pretty ? 0 : nil, colored: colored)
        // Written at once rather than through `print`'s buffer, so that lines reach a pipe as they come.
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// The ANSI colours of JSON's parts, close to jq's.
    enum Color: String {
        case key = "\u{1B}[1;34m"
        case string = "\u{1B}[32m"
        case number = "\u{1B}[36m"
        case boolean = "\u{1B}[33m"
        case null = "\u{1B}[35m"

        static let reset = "\u{1B}[0m"
    }

    /// Appends `value`; `indent` is the current depth when pretty-printing, `nil` for compact output;
    /// `colored` wraps keys and scalars in ANSI colours.
    static func append(_ value: JSONValue, to text: inout String, indent: Int?, colored: Bool = false) {
        func paint(_ part: String, _ color: Color) {
            text += colored ? color.rawValue + part + Color.reset : part
        }
        switch value {
        case .array(let elements) where !elements.isEmpty:
            text += "["
            for (offset, element) in elements.enumerated() {
                if offset > 0 { text += "," }
                newline(&text, indent.map { $0 + 1 })
                append(element, to: &text, indent: indent.map { $0 + 1 }, colored: colored)
            }
            newline(&text, indent)
            text += "]"
        case .object(let members) where !members.isEmpty:
            text += "{"
            for (offset, key) in members.keys.sorted().enumerated() {
                if offset > 0 { text += "," }
                newline(&text, indent.map { $0 + 1 })
                paint(JSONValue.string(key).encodedString, .key)
                text += indent == nil ? ":" : ": "
                append(members[key]!, to: &text, indent: indent.map { $0 + 1 }, colored: colored)
            }
            newline(&text, indent)
            text += "}"
        case .string:
            paint(value.encodedString, .string)
        case .bool:
            paint(value.encodedString, .boolean)
        case .null:
            paint(value.encodedString, .null)
        case .array, .object:
            text += value.encodedString
        case .integer, .double:
            paint(value.encodedString, .number)
        }
    }

    private static func newline(_ text: inout String, _ indent: Int?) {
        guard let indent else { return }
        text += "\n" + String(repeating: "  ", count: indent)
    }
}
