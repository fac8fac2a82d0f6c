import ArgumentParser
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
            steps, so waiting strategies can be run, compared and checked.
            """,
        subcommands: [Compare.self, Run.self, Explore.self, Replay.self, Diff.self, List.self, Bench.self]
    )
}
