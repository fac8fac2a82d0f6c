/// A test result in the Kernel Test Anything Protocol, version 1
/// (Documentation/dev-tools/ktap.rst), as KUnit prints it and its parser
/// (tools/testing/kunit/kunit_parser.py) reads it: a test with subtests
/// is an indented block (four spaces a level, as KUnit indents) holding its
/// own version line, a "# Subtest: NAME" header and a plan, then its
/// subtests; its result line follows, unindented, with the same name.
public struct KTAPTest: Sendable, Hashable {
    public var name: String
    public var ok: Bool
    /// A directive after the name ("SKIP interrupted").
    public var directive: String?
    /// Diagnostic lines printed just before the result line (without "# ").
    public var diagnostics: [String]
    public var subtests: [KTAPTest]

    public init(_ name: String, ok: Bool, directive: String? = nil, diagnostics: [String] = [], subtests: [KTAPTest] = []) {
        self.name = name
        self.ok = ok
        self.directive = directive
        self.diagnostics = diagnostics
        self.subtests = subtests
    }
}

public enum KTAP {
    public static let versionLine = "KTAP version 1"

    /// The whole document: version line, plan, each test, and `trailer`
    /// diagnostics at the end (KUnit's "# Totals: ...").
    public static func render(_ tests: [KTAPTest], trailer: [String] = []) -> String {
        var lines = [versionLine, "1..\(tests.count)"]
        for (i, t) in tests.enumerated() { append(t, number: i + 1, indent: "", to: &lines) }
        lines += trailer.map(diagnostic)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func append(_ t: KTAPTest, number: Int, indent: String, to lines: inout [String]) {
        let name = description(t.name)
        if !t.subtests.isEmpty {
            let inner = indent + "    "
            lines += [inner + versionLine, inner + "# Subtest: \(name)", inner + "1..\(t.subtests.count)"]
            for (i, s) in t.subtests.enumerated() { append(s, number: i + 1, indent: inner, to: &lines) }
        }
        lines += t.diagnostics.map { indent + diagnostic($0) }
        let directive = t.directive.map { " # \(description($0))" } ?? ""
        lines.append(indent + (t.ok ? "ok" : "not ok") + " \(number) \(name)\(directive)")
    }

    /// "# text", one line: a newline would start a line of another kind.
    public static func diagnostic(_ text: String) -> String {
        "# " + text.replacingNewlines()
    }

    /// A result line's description may hold neither "#" (it starts the
    /// directive) nor a newline.
    public static func description(_ text: String) -> String {
        String(text.replacingNewlines().map { $0 == "#" ? "%" : $0 })
    }
}

extension String {
    fileprivate func replacingNewlines() -> String {
        String(map { $0.isNewline ? " " : $0 })
    }
}
