// The findings pages quote what pagewait prints: a fenced block that opens
// with "$ pagewait ..." is that command and its standard output. Each is
// run here through a shell, as a reader pastes it, and must print the block
// (wall-clock figures masked), so a finding's reproduction cannot drift.

import Foundation
import Testing

/// The fenced blocks of `doc` that open with `$ pagewait `: the command
/// and the lines after it.
func quotedCommands(_ doc: String) throws -> [(line: Int, command: String, output: String)] {
    try docSamples(doc).compactMap { sample in
        let lines = sample.text.components(separatedBy: "\n")
        guard let first = lines.first, first.hasPrefix("$ pagewait ") else { return nil }
        return (sample.line, String(first.dropFirst(2)), lines.dropFirst().joined(separator: "\n"))
    }
}

@Suite("Findings")
struct FindingsTests {
    static let docs = ["docs/findings/unfair-killable-lost-wakeup.md"]

    @Test("every command a findings page quotes prints what the page shows, byte for byte but for wall-clock figures, and exits 1 (a violation)",
          arguments: docs)
    func quotedCommandsReproduce(doc: String) throws {
        let commands = try quotedCommands(doc)
        #expect(commands.count >= 2, "\(doc): the minimal schedule's explore and replay")
        for (line, command, output) in commands {
            let r = try runShell(command)
            #expect(r.status == 1, "\(doc):\(line): \(command)\n\(r)")
            #expect(RecordedOutputTests.maskClock(r.stdout) == RecordedOutputTests.maskClock(output + "\n"),
                    "\(doc):\(line): \(command) printed\n\(r.stdout)")
        }
    }

    @Test("the Z19 page's replay is the schedule its explore command prints, and it ends in the lost wakeup of the locker behind the killed one")
    func replayIsTheExploredSchedule() throws {
        let commands = try quotedCommands(Self.docs[0])
        let explore = try #require(commands.first { $0.command.hasPrefix("pagewait explore ") })
        let replay = try #require(commands.first { $0.command.hasPrefix("pagewait replay ") })
        #expect(field("replay: ", in: explore.output) == replay.command)
        #expect(replay.output.contains("violation: LOST_WAKEUP: task 2"))
        #expect(replay.output.contains("2 locker"))
    }
}
