import ArgumentParser
import CPagewait
import Foundation
import PagewaitCore
import PagewaitPlugins

@main
struct Pagewait: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pagewait",
        abstract: "A workbench for the Linux kernel's page-lock wait machinery.",
        discussion: """
            pagewait models page references, PG_locked/PG_waiters, the hashed page wait \
            queues and the EXCLUSIVE/SHARED/DROP wait behaviours as deterministic atomic \
            steps, so waiting strategies can be run, compared, explored and checked.

            New here? docs/tour.md walks from the seed patch (9a1ea439b16b) and its two \
            bugs to a strategy of your own in about fifteen minutes; it starts with \
            `pagewait compare`. `pagewait help SUBCOMMAND` explains each command.

            Exit status: 0 on success (for explore and replay: no violation), 1 when \
            explore or replay finds a violation, 2 on bad usage.

            Shell completion: `pagewait --generate-completion-script bash` (or zsh, \
            fish) prints a completion script, with the built-in strategy and scenario \
            names; e.g. for bash, save it as \
            ~/.local/share/bash-completion/completions/pagewait.
            """,
        version: PW_VERSION,
        subcommands: [Compare.self, Run.self, Explore.self, Replay.self, Diff.self, List.self, Bench.self, BenchABI.self]
    )

    /// Bad usage exits 2 (not ArgumentParser's 64), so scripts can tell it
    /// from "a violation was found" (1).
    static func main() {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(PluginOptions.movedAfterSubcommand(Array(CommandLine.arguments.dropFirst())))
        } catch {
            if exitCode(for: error) == .validationFailure { usageError(fullMessage(for: error)) }
            exit(withError: error)
        }
        do {
            try command.run()
        } catch let error as ValidationError {
            // Found while running (an unreadable file, a plugin that does not
            // load): the message says what and where; no usage text after it.
            usageError("Error: \(error.message)")
        } catch {
            exit(withError: error)
        }
    }

    static func usageError(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        Foundation.exit(2)
    }
}
