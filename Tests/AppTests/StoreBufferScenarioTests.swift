// The table "The seed's scenarios under tso" in docs/memory-model.md:
// every row's searches, run as `pagewait explore` runs them, give the
// verdicts and state counts the page shows.

import ArgumentParser
import Foundation
import Testing
@testable import PagewaitCommands

@Suite("docs/memory-model.md: the seed's scenarios under tso")
struct StoreBufferScenarioTests {
    struct Row { var scenario: String; var strategy: String; var verdicts: [String]; var counts: [Int?] }

    /// The table's rows: "| scenario, strategy | verdict sc | verdict tso | states sc | sc, reductions off | tso |".
    static func rows() throws -> [Row] {
        let text = try String(contentsOfFile: "docs/memory-model.md", encoding: .utf8)
        let start = try #require(text.range(of: "### The seed's scenarios under tso"))
        return text[start.upperBound...].split(separator: "\n").prefix { !$0.hasPrefix("## ") }.compactMap { line -> Row? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 6, cells[0].contains(", "), !cells[0].hasPrefix("scenario") else { return nil }
            let name = cells[0].components(separatedBy: ", ")
            return Row(scenario: name[0], strategy: name[1], verdicts: [cells[1], cells[2]],
                       counts: cells[3...5].map { Int($0.replacingOccurrences(of: ",", with: "")) })
        }
    }

    /// `pagewait explore` in process: its verdict word and state count.
    static func explore(_ arguments: [String]) throws -> (verdict: String, states: Int) {
        let out = temporaryFile("tso-table-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let command = try Explore.parse(arguments + ["--jobs", "1", "--quiet", "-o", out])
        do { try command.run(interrupt: Interrupt()) } catch is ExitCode {}
        let text = try String(contentsOfFile: out, encoding: .utf8)
        let states = try #require(text.firstRange(of: "  states ").map { Int(text[$0.upperBound...].prefix { $0.isNumber }) ?? -1 })
        let verdict = text.contains("a proof for this scenario") ? "proof"
            : text.firstRange(of: "VIOLATION ").map { String(text[$0.upperBound...].prefix { $0 != ":" }) } ?? "?"
        return (verdict, states)
    }

    @Test("every row's verdicts and state counts are what the searches give")
    func tableReproduces() throws {
        let rows = try Self.rows()
        #expect(rows.count >= 5)
        for row in rows {
            let base = [row.scenario, "--strategy", row.strategy]
            let runs: [[String]] = [base, base + ["--no-sleep-sets", "--no-step-merging", "--no-symmetry"], base + ["--memory", "tso"]]
            let results = try runs.indices.map { i in row.counts[i] == nil ? nil : try Self.explore(runs[i]) }
            for i in runs.indices {
                guard let want = row.counts[i], let got = results[i] else { continue }
                #expect(got.states == want, "\(row.scenario), \(row.strategy): \(runs[i].joined(separator: " ")) visits \(got.states) states, the page says \(want)")
            }
            #expect(results[0]?.verdict == row.verdicts[0], "\(row.scenario), \(row.strategy) under sc")
            #expect(results[2]?.verdict == row.verdicts[1], "\(row.scenario), \(row.strategy) under tso")
        }
    }
}
