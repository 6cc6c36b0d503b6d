import Foundation

/// What the standard streams are connected to, which decides how `gqlws` prints: indented,
/// coloured results and a live progress line for a person at a terminal, plain lines for pipes and
/// files.
enum Terminal {
    /// Whether standard output is a terminal.
    static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    /// Whether standard error is a terminal.
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// The width of the terminal on standard error in columns, or `nil` when it is not a terminal
    /// or does not say.
    static var standardErrorColumns: Int? {
        var size = winsize()
        guard ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }

    /// Whether the `NO_COLOR` environment variable asks for no colour: set and not empty
    /// (https://no-color.org).
    static var noColor: Bool {
        guard let value = ProcessInfo.processInfo.environment["NO_COLOR"] else { return false }
        return !value.isEmpty
    }
}
