// `pagewait bisect` on the two chains the strategies model, as the user
// runs it: the commits it names, and the explore lines it prints.

import Foundation
import Testing
@testable import PagewaitCommands
import PagewaitPlugins

@Suite("bisect")
struct BisectTests {
    /// The transition lines of bisect's text ("  X appears at ...") with the
    /// explore line printed under each.
    static func transitions(_ text: String) -> [(line: String, explore: String)] {
        let lines = text.split(separator: "\n").map(String.init)
        return lines.indices.compactMap { i in
            let line = lines[i]
            guard line.hasPrefix("  "), !line.hasPrefix("   "), [" appears at ", " reappears at ", " disappears at ", " becomes ", " at the chain's start"]
                .contains(where: line.contains), i + 1 < lines.count, lines[i + 1].hasPrefix("    explore: pagewait ") else { return nil }
            return (String(line.dropFirst(2)), String(lines[i + 1].dropFirst("    explore: ".count)))
        }
    }

    @Test("bisect killable-lockers names 2a9127fcf229 where the lost wakeup goes (proved) and 5ef64cc8987a where it comes back, and the explore line it prints there finds it")
    func faultChain() throws {
        let r = try runPagewait(["bisect", "killable-lockers", "--quiet"])
        #expect(r.status == 1, "\(r)")
        let t = Self.transitions(r.stdout)
        #expect(t.map { $0.line.prefix { $0 != ":" } } == [
            "LOST_WAKEUP at the chain's start, v4.19 legacy",
            "LOST_WAKEUP disappears at v5.9a rewrite-fair",
            "LOST_WAKEUP reappears at v5.9 unfair-5",
        ], "\(r.stdout)")
        let gone = try #require(t.first { $0.line.contains(" disappears at ") })
        #expect(gone.line.contains("2a9127fcf229") && gone.line.hasSuffix("(proved gone)"))
        let back = try #require(t.first { $0.line.contains(" reappears at ") })
        #expect(back.line.contains("5ef64cc8987a \"mm: allow a controlled amount of unfairness in the page lock\""))
        let explore = try runShell(back.explore + " --quiet")
        #expect(explore.status == 1 && field("verdict: VIOLATION ", in: explore.stdout)?.hasPrefix("LOST_WAKEUP") == true, "\(explore)")
    }

    @Test("bisect reclaim-race --chain reclaim names 9a1ea439b16b with a978d6f52106 kept where the lost wakeup appears and the whole commit where it is proved gone; each explore line reproduces")
    func reclaimChain() throws {
        let r = try runPagewait(["bisect", "reclaim-race", "--chain", "reclaim", "--quiet"])
        #expect(r.status == 1, "\(r)")
        let t = Self.transitions(r.stdout)
        #expect(t.count == 2, "\(r.stdout)")
        let appears = try #require(t.first)
        #expect(appears.line.hasPrefix("LOST_WAKEUP appears at") && appears.line.contains("put-and-wait-unlockless: 9a1ea439b16b")
                && appears.line.contains("with a978d6f52106 kept"), "\(appears.line)")
        let gone = try #require(t.last)
        #expect(gone.line.hasPrefix("LOST_WAKEUP disappears at") && gone.line.contains("put-and-wait: 9a1ea439b16b")
                && gone.line.hasSuffix("(proved gone)"), "\(gone.line)")
        let found = try runShell(appears.explore + " --quiet")
        #expect(found.status == 1 && field("verdict: VIOLATION ", in: found.stdout)?.hasPrefix("LOST_WAKEUP") == true, "\(found)")
        let proved = try runShell(gone.explore + " --quiet")
        #expect(proved.status == 0 && field("verdict: ", in: proved.stdout)?.contains(ExplorationVerdict.proofWords) == true, "\(proved)")
    }

    @Test("bisect --format json holds every version explored and each transition with its commit")
    func json() throws {
        let dir = try scratchDirectory("bisect-json")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bisect.json").path
        let r = try runPagewait(["bisect", "reclaim-race", "--chain", "reclaim", "--format", "json", "-o", file, "--quiet"])
        #expect(r.status == 1 && r.stdout.isEmpty, "\(r)")
        let json = try jsonObject(try String(contentsOfFile: file, encoding: .utf8))
        let chain = try #require((json["chains"] as? [[String: Any]])?.first)
        #expect(chain["chain"] as? String == "reclaim")
        let versions = try #require(chain["versions"] as? [[String: Any]])
        #expect(versions.map { $0["strategy"] as? String } == ["legacy", "put-and-wait-unlockless", "put-and-wait"])
        #expect(versions.map { $0["proof"] as? Bool } == [true, false, true])
        let transitions = try #require(chain["transitions"] as? [[String: Any]])
        #expect(transitions.map { $0["change"] as? String } == ["appears", "disappears"])
        #expect(transitions.map { $0["commit"] as? String } == ["9a1ea439b16b", "9a1ea439b16b"])
        #expect(transitions.last?["proved"] as? Bool == true)
    }
}
