import PagewaitCore

/// Scenario / strategy / parameter combinations that exhaustive exploration
/// proves free of violations: `pagewait explore SCENARIO --strategy S
/// [--param ...]` visits every reachable state ("no violation; every
/// reachable state visited"). Every schedule the fuzzer makes stays among
/// those states, so in safe mode any finding is news: a bug introduced
/// since, or a check that disagrees with exploration. docs/fuzzing.md gives
/// the command that re-checks the list.
///
/// Left out on purpose, because a finding is expected there: the ablations
/// (`put-and-wait-unlockless` on reclaim-race, `drop-loops`,
/// `drop-early-put`), `killable-lockers` under every strategy but
/// `rewrite-fair` and `unfair-0` (kernel-model F8 and the unfair-5 model
/// finding), `offline` under every strategy whose faulter takes a page
/// reference (its livelock is reachable wherever a faulter holds even a
/// brief one), and scenarios too large to prove (`fairness` and
/// `wake-walk` at their defaults: they are here at a smaller size).
public enum SafeCombinations {
    public struct Entry: Hashable, Sendable {
        public var scenario: String
        public var strategy: String
        public var parameters: Parameters

        public init(_ scenario: String, _ strategy: String, _ parameters: Parameters = [:]) {
            self.scenario = scenario
            self.strategy = strategy
            self.parameters = parameters
        }
    }

    /// The `pagewait explore` arguments that re-prove each entry, with
    /// every value of the knobs safe mode turns on top (`ScheduleFuzzer.safeKnobs`)
    /// where the scenario has them: one line each, for Apps/Fuzz/check-safe.sh.
    public static func exploreArguments(knownParameters: (String) -> [String]) -> [String] {
        var lines: [String] = []
        for e in all {
            var variants: [Parameters] = [e.parameters]
            for knob in ScheduleFuzzer.knobs where ScheduleFuzzer.safeKnobs.contains(knob.name) && knownParameters(e.scenario).contains(knob.name) {
                variants += variants.flatMap { base in knob.values.map { v in base.merging([knob.name: v]) { $1 } } }
            }
            for p in variants {
                lines.append(([e.scenario, "--strategy", e.strategy] + p.keys.sorted().flatMap { ["--param", "\($0)=\(p[$0]!)"] })
                    .joined(separator: " "))
            }
        }
        return lines
    }

    static let reclaimRaceSafe = [
        "legacy", "legacy-unlock", "put-and-wait", "put-and-wait-cond", "put-and-wait-waitersref", "put-and-wait-killable",
        "rewrite-fair", "unfair-5", "unfair-0", "noref", "no-bookmarks",
    ]
    static let migrationSafe = reclaimRaceSafe + ["put-and-wait-unlockless"]

    public static let all: [Entry] =
        reclaimRaceSafe.map { Entry("reclaim-race", $0) }
        + migrationSafe.map { Entry("reuse", $0) }
        + migrationSafe.map { Entry("migrate-vs-faulters", $0) }
        + ["noref", "no-bookmarks"].map { Entry("offline", $0) }
        + ["rewrite-fair", "unfair-0"].map { Entry("killable-lockers", $0) }
        // Smaller than the defaults, so the proofs finish in seconds.
        + migrationSafe.map { Entry("wake-walk", $0, ["readers": 2, "hold": 3]) }
        + migrationSafe.map { Entry("fairness", $0, ["lockers": 2, "iterations": 2]) }
}
