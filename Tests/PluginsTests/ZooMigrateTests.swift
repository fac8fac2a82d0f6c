// The zoo's migration rows (known-bugs.md Z10, Z11, Z16): each buggy
// configuration reaches one of its expected violations and each fixed one is
// a proof, exhaustively; and the properties behind them — the THP fault
// paths follow the strategy, the F9 crash needs the seed's short reference
// window, a leftover migration entry is reported with what it names.

import Testing
import PagewaitCore
import PagewaitPlugins

/// Build an entry's configuration and search it exhaustively.
func exploreConfiguration(_ entry: BugEntry, _ c: BugConfiguration) throws -> ExplorationOutcome {
    let setup = try registry.scenario(entry.scenario).build(strategy: try registry.resolveStrategy(c.strategy), parameters: c.parameters)
    return setup.explore(ExplorationRequest())
}

/// Every violation reachable from `setup`'s initial world, by kind and, for
/// a BUG, the kernel function whose assertion failed: a breadth-first search
/// over worlds that treats a violating step (or end) as a leaf and goes on
/// with the rest, with `checkers` watching steps and ends.
func reachableViolations(_ setup: Setup, checkers: @escaping () -> [any Checker], limit: Int = 200_000) -> Set<String> {
    var seen: Set<World> = [setup.world], frontier = [setup.world], found: Set<String> = []
    func name(_ v: Violation) -> String { v.kind.rawValue + (v.assertion.map { " \($0.function)" } ?? "") }
    while let w = frontier.popLast() {
        let runnable = setup.engine.runnableTasks(w)
        if runnable.isEmpty {
            let end: RunEnd = w.allFinished ? .finished : .quiescent
            var cs = checkers()
            for i in cs.indices { if let v = cs[i].atEnd(end, world: w, engine: setup.engine) { found.insert(name(v)) } }
            continue
        }
        for t in runnable {
            var next = w
            do {
                let e = try setup.engine.step(&next, task: t)
                var cs = checkers(), bad = false
                for i in cs.indices { if let v = cs[i].afterStep(e, world: next, engine: setup.engine) { found.insert(name(v)); bad = true } }
                if !bad && seen.insert(next).inserted && seen.count < limit { frontier.append(next) }
            } catch {
                found.insert(name(error))
            }
        }
    }
    #expect(seen.count < limit, "the search was cut at \(limit) states")
    return found
}

@Suite("Zoo: migration rows")
struct ZooMigrateTests {
    static let entries = ["Z10", "Z11", "Z16"]

    static func entry(_ id: String) throws -> BugEntry {
        try #require(ZooEntries.all.first { $0.name == id }, "no zoo entry \(id)")
    }

    @Test("the buggy configuration reaches an expected violation; every fixed one is a proof", arguments: entries)
    func buggyAndFixed(id: String) throws {
        let e = try Self.entry(id)
        guard case .violation(let expected) = e.check else { Issue.record("\(id) is not a violation entry"); return }
        let buggy = try exploreConfiguration(e, e.buggy)
        let kind = try #require(buggy.violation?.kind, "\(id): \(e.buggy.label) under \(e.buggy.strategy) found nothing")
        #expect(expected.contains(kind), "\(id): found \(kind), expected one of \(expected)")
        for c in e.fixed {
            let o = try exploreConfiguration(e, c)
            #expect(o.verdict.isProof, "\(id): \(c.label) under \(c.strategy) \(c.parameters): \(o.violation.map { "\($0)" } ?? "not a proof")")
        }
        #expect(ZooEntries.scenarios.contains { $0.name == e.scenario })
    }

    @Test("Z10: before 3c226c637b69 the waiter touches the page after dropping the PMD lock with no reference; the shrunk schedule has the migrator free the page first")
    func z10Story() throws {
        let e = try Self.entry("Z10")
        let o = try exploreConfiguration(e, e.buggy)
        let v = try #require(o.violation)
        #expect(v.kind == .unsafeAccess && v.pfn == 0 && v.function == "wait_on_page_locked")
        let setup = try registry.scenario(e.scenario).build(strategy: try registry.resolveStrategy(e.buggy.strategy), parameters: [:])
        let replay = setup.engine.replay(setup.world, schedule: try #require(o.best), checkers: Checkers.standard(for: setup))
        #expect(replay.violation?.kind == .unsafeAccess)
    }

    @Test("every strategy emits its own THP fault paths: the THP scenarios build and end clean under every strategy but the ablations that touch a page without a right",
          arguments: ["thp-numa-fault", "thp-migrate-vs-faulter"])
    func thpPathsFollowTheStrategy(scenario: String) throws {
        let spec = try registry.scenario(scenario)
        for name in registry.names(.strategy) {
            let setup = try spec.build(strategy: try registry.strategy(name), parameters: [:])
            let o = setup.explore(ExplorationRequest())
            let ablation = ["drop-loops", "drop-early-put"].contains(name) || (name == "legacy-numa-unpinned" && scenario == "thp-numa-fault")
            if ablation {
                #expect([ViolationKind.unsafeAccess, .wrongUsage].contains(o.violation?.kind), "\(scenario) under \(name): \(String(describing: o.violation))")
            } else {
                #expect(o.verdict.isProof, "\(scenario) under \(name): \(String(describing: o.violation))")
            }
        }
    }

    @Test("the THP waits name the kernel functions of their kernel: do_huge_pmd_numa_page and pmd_migration_entry_wait, put_and_wait_on_page_locked in the seed")
    func thpKernelNames() throws {
        for (strategy, names) in [("legacy", ["do_huge_pmd_numa_page", "pmd_migration_entry_wait", "wait_on_page_locked"]),
                                  ("put-and-wait", ["do_huge_pmd_numa_page", "pmd_migration_entry_wait", "put_and_wait_on_page_locked"]),
                                  ("noref", ["do_huge_pmd_numa_page", "migration_entry_wait_on_locked"])] {
            let setup = try registry.scenario("thp-migrate-vs-faulter").build(strategy: try registry.strategy(strategy), parameters: [:])
            let faulter = setup.engine.programs[1]
            let functions = Set(faulter.instructions.map(\.function))
            for n in names { #expect(functions.contains(n), "\(strategy): no \(n) in \(functions.sorted())") }
        }
        let unpinned = try registry.scenario("thp-numa-fault").build(strategy: try registry.strategy("legacy-numa-unpinned"), parameters: [:])
        let numaWait = unpinned.engine.programs[1].instructions.filter { $0.function == "do_huge_pmd_numa_page" || $0.function == "wait_on_page_locked" }
        #expect(!numaWait.contains { if case .reference(.getPageUnlessZero) = $0.op { true } else { false } },
                "the pre-3c226c637b69 path takes no reference")
    }

    @Test("Z11: the injected imbalance is flagged by the ledger check at the first step on the page; without that check the faulter's put lands on the frozen page (put_page_testzero) in far more random runs under the seed's short window than under legacy's long-held reference, and never without the fault")
    func z11ExposedByTheSeed() throws {
        let e = try Self.entry("Z11")
        let buggy = try exploreConfiguration(e, e.buggy)
        #expect(buggy.violation?.kind == .ledgerMismatch && buggy.violation?.step == 0)
        #expect(buggy.violation?.detail.contains("PG_private 1") == true)

        /// Random runs (seeds 1...400) that end in the reported BUG, with
        /// every check but the ledger's, the faulter touching until the
        /// migration is done.
        func crashes(_ strategy: String, _ fault: Int64) throws -> Int {
            let setup = try registry.scenario(e.scenario).build(strategy: try registry.strategy(strategy), parameters: ["privateWithoutRef": fault, "touches": 0])
            var n = 0
            for seed in UInt64(1)...400 {
                var scheduler = RandomSchedulerPlugin().make(seed: seed)
                var checkers: [any Checker] = [LeftoverEntryChecker(), LivenessChecker()]
                let v = setup.engine.run(setup.world, scheduler: &scheduler, checkers: &checkers).violation
                if v?.assertion?.function == "put_page_testzero" { n += 1 }
            }
            return n
        }
        let seed = try crashes("put-and-wait", 1), legacy = try crashes("legacy", 1)
        #expect(seed > 0 && seed > 4 * legacy, "put_page_testzero in \(seed) runs under put-and-wait, \(legacy) under legacy")
        #expect(try crashes("put-and-wait", 0) == 0 && crashes("legacy", 0) == 0)
    }

    @Test("privateWithoutRef is bounded and needs PG_private")
    func privateWithoutRefLimits() throws {
        let spec = try registry.scenario("migrate-private")
        #expect(throws: BuildError.self) { try spec.build(strategy: PutAndWait(), parameters: ["privateWithoutRef": 2]) }
        let plain = try #require(spec as? ScenarioSpec)
        var withoutPrivate = plain
        withoutPrivate.pageFlags.remove(.private)
        #expect(throws: BuildError.self) { try withoutPrivate.build(strategy: PutAndWait(), parameters: ["privateWithoutRef": 1]) }
        #expect(throws: BuildError.self) { try BuiltinScenarios.migrateVsFaulters.build(strategy: PutAndWait(), parameters: ["privateWithoutRef": 1]) }
        let injected = try spec.build(strategy: PutAndWait(), parameters: ["privateWithoutRef": 1])
        #expect(injected.world.pages[0].refcount == Int32(injected.world.ledgerCount(0)) - 1)
    }

    @Test("Z16: the leftover entry is reported with the PTE, the page it names, its lock owner and the faulter asleep on it")
    func z16Leftover() throws {
        let e = try Self.entry("Z16")
        let o = try exploreConfiguration(e, e.buggy)
        let v = try #require(o.violation)
        #expect(v.kind == .leftoverMigrationEntry && v.pfn == Layout.splitPfn)
        #expect(v.detail.contains("PTE slot 0") && v.detail.contains("pfn \(Layout.splitPfn)") && v.detail.contains("locked by task 0"))
        // Some run of the buggy configuration leaves the faulter asleep on it.
        let setup = try registry.scenario(e.scenario).build(strategy: try registry.strategy("noref"), parameters: ["splitFixup": 0])
        let all = reachableViolations(setup, checkers: { [LivenessChecker()] })
        #expect(all.contains("HANG"), "\(all)")
    }

    @Test("the leftover check fires at quiescence and at the end of a finished run on any migration entry, and never mid-run")
    func leftoverChecker() throws {
        let setup = try registry.scenario("device-split").build(strategy: try registry.strategy("noref"), parameters: [:])
        var w = setup.world
        var c = LeftoverEntryChecker()
        #expect(c.atEnd(.finished, world: w, engine: setup.engine) == nil)
        w.ptes[1] = PTE(kind: .migration, pfn: 0, mm: 1)
        let v = c.atEnd(.quiescent, world: w, engine: setup.engine)
        #expect(v?.kind == .leftoverMigrationEntry && v?.pfn == 0 && v?.detail.contains("PTE slot 1 (mm 1)") == true)
        #expect(c.atEnd(.finished, world: w, engine: setup.engine) != nil)
        #expect(c.atEnd(.stepLimit, world: w, engine: setup.engine) == nil)
        w.ptes[1].level = .pmd
        #expect(c.atEnd(.quiescent, world: w, engine: setup.engine)?.detail.contains("PMD slot 1") == true)
    }
}
