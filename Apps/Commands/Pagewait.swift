import ArgumentParser
import CPagewait
import Foundation
import PagewaitCore
import PagewaitPlugins

/// The root command; `Pagewait.status(arguments:)` runs a command line.
public struct Pagewait: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "pagewait",
        abstract: "A workbench for the Linux kernel's page-lock wait machinery.",
        discussion: """
            pagewait models page references, PG_locked/PG_waiters, the hashed page wait \
            queues and the EXCLUSIVE/SHARED/DROP wait behaviours as deterministic atomic \
            steps, so waiting strategies can be run, compared, explored and checked.

            New here? docs/tour.md walks from the seed patch (9a1ea439b16b) and its two \
            bugs to a strategy of your own in about fifteen minutes; it starts with \
            `pagewait compare`. `pagewait help SUBCOMMAND` explains each command.

            Exit status, the same rule for every command that runs the model (run, \
            compare, diff, explore, replay, bisect): 0 when nothing was found, 1 when any \
            checker found a violation (a hang, a lost wakeup, a livelock, ...) in any run, 2 \
            on bad usage or input (an option out of range, an unreadable file, a stale \
            schedule), 130 when interrupted (Ctrl-C). zoo run exits 0 when every entry is \
            ok and 1 when any is not. list, zoo list, zoo show, bench and bench-abi exit 0 \
            or 2.

            Steps are numbered from 0, as `pagewait replay` prints them. A violation "at \
            step N" was found by the check after step N; one found when no task could move \
            any more (a hang) is at step N = the number of steps taken.

            Shell completion: `pagewait --generate-completion-script bash` (or zsh, \
            fish) prints a completion script, with the built-in strategy and scenario \
            names; e.g. for bash, save it as \
            ~/.local/share/bash-completion/completions/pagewait.
            """,
        version: PW_VERSION,
        subcommands: [Compare.self, Run.self, Explore.self, Merge.self, Replay.self, Diff.self, Bisect.self, Zoo.self, Litmus.self, List.self, Bench.self, BenchABI.self]
    )

    public init() {}

    /// Run the command line `arguments` (without the program name) and
    /// return its exit status; nothing here exits the process, so the fuzz
    /// target runs command lines in-process. Bad usage is 2 (not
    /// ArgumentParser's 64), so scripts can tell it from "a violation was
    /// found" (1). An error is one line.
    public static func status(arguments raw: [String]) -> Int32 {
        let arguments = negativeValuesJoined(PluginOptions.movedAfterSubcommand(raw))
        if let message = unknownSubcommand(arguments) { return usageError("Error: \(message)") }
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            if exitCode(for: error) == .validationFailure {
                let text = message(for: error)
                return usageError("Error: \(integerOptionMessage(text) ?? text)")
            }
            return reported(error)
        }
        do {
            try command.run()
            return 0
        } catch let error as ValidationError {
            // Found while running (an unreadable file, a plugin that does not
            // load): the message says what and where; no usage text after it.
            return usageError("Error: \(error.message)")
        } catch {
            return reported(error)
        }
    }

    /// What ArgumentParser's `exit(withError:)` prints (help and version on
    /// standard output, the rest on standard error), and the status.
    static func reported(_ error: any Error) -> Int32 {
        let code = exitCode(for: error)
        let text = fullMessage(for: error)
        if !text.isEmpty {
            if code == .success { print(text) } else { FileHandle.standardError.write(Data((text + "\n").utf8)) }
        }
        return code.rawValue
    }

    /// The allowed range of each integer option, for values the parser
    /// itself refuses (too large for the type, or not a number).
    static let integerOptions: [String: String] = [
        "--seeds": Limits.seeds.description, "--seed": "0...\(Limit.grouped(UInt64.max))",
        "--max-steps": Limits.maxSteps.description, "--jobs": Limits.jobs.description,
        "--wake-latency": Limits.timing.description, "--preempt-length": Limits.timing.description,
        "--faulters": Limits.faulters.description, "--mappings": Limits.mappings.description,
        "--budget": "\(Limits.exploreStates) (exhaustive) or \(Limits.exploreRuns) (pct, random)",
        "--max-depth": Limits.maxDepth.description, "--preemptions": Limits.preemptions.description,
        "--pct-depth": Limits.pctDepth.description, "--pct-length": Limits.pctLength.description,
        "--show": Limits.show.description, "--steps": Limits.benchSteps.description, "--repeats": Limits.repeats.description,
    ]

    /// ArgumentParser's "The value 'X' is invalid for '--seeds <seeds>'"
    /// for an integer option, as one line with the allowed range.
    static func integerOptionMessage(_ message: String) -> String? {
        guard message.hasPrefix("The value '"), let forRange = message.range(of: "' is invalid for '") else { return nil }
        let value = message[message.index(message.startIndex, offsetBy: "The value '".count)..<forRange.lowerBound]
        let option = String(message[forRange.upperBound...].prefix { $0 != " " && $0 != "'" })
        guard let allowed = integerOptions[option] else { return nil }
        let digits = value.first == "-" ? value.dropFirst() : value[...]
        if !digits.isEmpty, digits.allSatisfy({ ("0"..."9").contains($0) }) {
            return "\(option) \(value) is out of range: allowed \(allowed)"
        }
        return "\(option) expects an integer in \(allowed), got '\(value)'"
    }

    /// `--show -1` as `--show=-1`: the parser takes a word starting with
    /// `-` for an option, and would say the value is missing instead of
    /// that it is out of range.
    static func negativeValuesJoined(_ arguments: [String]) -> [String] {
        var out: [String] = []
        var i = 0
        while i < arguments.count {
            let word = arguments[i]
            if integerOptions[word] != nil, i + 1 < arguments.count, arguments[i + 1].hasPrefix("-"),
               arguments[i + 1].count > 1, arguments[i + 1].dropFirst().allSatisfy({ ("0"..."9").contains($0) }) {
                out.append("\(word)=\(arguments[i + 1])")
                i += 2
            } else {
                out.append(word)
                i += 1
            }
            if word == "--" { out += arguments[i...]; break }
        }
        return out
    }

    /// The subcommands' names, as typed.
    static var subcommandNames: [String] { configuration.subcommands.map { $0._commandName } }

    /// A first word that names no subcommand (`runn`), or `help` followed by
    /// one (`help nosuch`): the message, with the nearest names. Nil when the
    /// arguments start well.
    static func unknownSubcommand(_ arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let known = subcommandNames
        if first == "help" {
            guard let topic = arguments.dropFirst().first(where: { !$0.hasPrefix("-") }), !known.contains(topic) else { return nil }
            return "no command named '\(topic)'\(Suggestion.hint(topic, among: known)); commands: \(known.joined(separator: ", "))"
        }
        guard !known.contains(first) else { return nil }
        return "no command named '\(first)'\(Suggestion.hint(first, among: known + ["help"])); commands: \(known.joined(separator: ", ")), help"
    }

    static func usageError(_ message: String) -> Int32 {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        return 2
    }
}
