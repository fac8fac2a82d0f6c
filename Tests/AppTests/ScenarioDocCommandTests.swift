// The explore commands docs/scenarios.md shows for its example scenario
// files, run as written (the package's pagewait in place of `swift run -c
// release pagewait`): each must end as its trailing comment says.

import Foundation
import Testing

@Suite("docs/scenarios.md's explore commands")
struct ScenarioDocCommandTests {
    /// `(arguments, expected)` for every indented `swift run -c release
    /// pagewait explore …  # WORD` line: WORD is the verdict (DEADLOCK,
    /// LIVELOCK, …) or "proof".
    static func commands() throws -> [(arguments: [String], expected: String)] {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("docs/scenarios.md"), encoding: .utf8)
        let prefix = "    swift run -c release pagewait explore "
        return text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(prefix), let hash = line.firstIndex(of: "#") else { return nil }
            let command = line[line.index(line.startIndex, offsetBy: prefix.count)..<hash]
            let word = line[line.index(after: hash)...].split(separator: " ").first.map(String.init) ?? ""
            return (["explore"] + command.split(separator: " ").map(String.init), word)
        }
    }

    @Test("every example explore command in docs/scenarios.md ends as its comment says")
    func commandsEndAsDocumented() throws {
        let commands = try Self.commands()
        // The sleeping-lock and CPU sections show two commands each.
        #expect(commands.count >= 4, "\(commands)")
        for (arguments, expected) in commands {
            let out = try runPagewait(arguments + ["--quiet"], in: packageRoot)
            let verdict = out.stdout.split(separator: "\n").first { $0.hasPrefix("  verdict: ") } ?? ""
            if expected == "proof" {
                #expect(out.status == 0 && verdict.contains("a proof for this scenario"), "\(arguments)\n\(out)")
            } else {
                #expect(out.status == 1 && verdict.hasPrefix("  verdict: VIOLATION \(expected)"), "\(arguments)\n\(out)")
            }
        }
    }
}
