// The wait-core rows of the zoo (known-bugs Z6, Z8, Z19): each buggy
// configuration yields one of its expected violations under exhaustive
// exploration, with a schedule that replays to it, and each fixed
// configuration is a proof in the same scope; the candidate fixes of Z19
// as a name family.

import Testing
import PagewaitCore
import PagewaitPlugins

@Suite("Zoo: wait-core rows")
struct ZooWaitCoreTests {
    static let entries = ZooEntries.all.filter { ["Z6", "Z8", "Z19"].contains($0.name) }

    @Test("the registry holds the entries, their scenarios and their strategies", arguments: entries.map(\.name))
    func registered(name: String) throws {
        let entry = try #require(Self.entries.first { $0.name == name })
        let held: BugEntry = try registry.lookup(.bug, name)
        #expect(held.name == entry.name && ZooEntries.all.contains { $0.name == name })
        _ = try registry.scenario(entry.scenario)
        for s in entry.scenarios { _ = try registry.scenario(s.name) }
        for c in [entry.buggy] + entry.fixed { _ = try registry.resolveStrategy(c.strategy) }
    }

    @Test("the buggy configuration: exhaustive exploration finds one of the entry's violations, and the schedule replays to it",
          arguments: entries.map(\.name))
    func buggyFails(name: String) throws {
        let entry = try #require(Self.entries.first { $0.name == name })
        let c = entry.buggy
        let (r, setup) = try explore(entry.scenario, try registry.resolveStrategy(c.strategy), c.parameters)
        let v = try #require(r.violation, "\(name): \(c.strategy) came out clean")
        #expect(expectedKinds(entry).contains(v.kind), "\(name): \(v)")
        #expect(replayViolation(setup, try #require(r.schedule))?.kind == v.kind)
    }

    @Test("every fixed configuration is a proof in the same scope: the search is complete and finds nothing",
          arguments: entries.flatMap { e in e.fixed.map { "\(e.name) \($0.strategy)" } })
    func fixedProves(configuration: String) throws {
        let parts = configuration.split(separator: " ").map(String.init)
        let entry = try #require(Self.entries.first { $0.name == parts[0] })
        let c = try #require(entry.fixed.first { $0.strategy == parts[1] })
        let (r, _) = try explore(entry.scenario, try registry.resolveStrategy(c.strategy), c.parameters)
        #expect(r.violation == nil, "\(configuration): \(r.violation.map { "\($0)" } ?? "")")
        #expect(r.complete && r.states > 1000, "\(configuration): \(r.states) states")
    }

    @Test("Z19 for every unfairness 1 … 5: unfair-N loses the wake, and each candidate fix of the same N is a proof (killable-lockers without its stealer)",
          arguments: 1...5)
    func everyUnfairness(n: Int) throws {
        let scope: Parameters = ["stealers": 0]
        let (buggy, _) = try explore("killable-lockers", try registry.resolveStrategy("unfair-\(n)"), scope)
        #expect(buggy.violation?.kind == .lostWakeup)
        for fix in BuiltinPlugins.unfairFixes {
            let (r, _) = try explore("killable-lockers", fix.make(n), scope)
            #expect(r.violation == nil && r.complete, "unfair-\(n)-\(fix.suffix): \(r.violation.map { "\($0)" } ?? "")")
        }
    }

    @Test("Z19 with two killable lockers, each killed: unfair-5 leaves the lock_page locker behind them asleep")
    func twoKilledLockers() throws {
        let (r, setup) = try explore("two-killed-lockers", Unfair(unfairness: 5))
        let v = try #require(r.violation)
        #expect(v.kind == .lostWakeup)
        #expect(setup.taskNames[Int(v.task)].hasPrefix("locker"), "\(v)")
    }

    @Test("Z6 and Z8 are one loop (62906027091f copied __wait_on_bit_lock's): legacy-v4.10 and wait-on-bit-lock find the same violation")
    func sameLoop() throws {
        let (a, _) = try explore("killable-lockers", LegacyV410(), ["stealers": 0])
        let (b, _) = try explore("killable-lockers", WaitOnBitLock(), ["stealers": 0])
        #expect(a.violation?.kind == b.violation?.kind && a.violation != nil)
    }

    @Test("unfair-N-FIX resolves for N in 0…10,000 and each fix; out-of-range N is refused with its range; the family's names are reserved")
    func fixFamily() throws {
        let s = try registry.resolveStrategy("unfair-3-retake")
        #expect(s is UnfairRetake && s.kernel.waitCore == WaitCore.v5_9(unfairness: 3).aborting(.retake))
        #expect(try registry.resolveStrategy("unfair-0-passon").kernel.waitCore == WaitCore.v5_9(unfairness: 0).aborting(.passOn))
        #expect(try registry.resolveStrategy("unfair-10000-handoff").kernel.waitCore.unfairness == 10_000)
        let range = try #require(Registry.unfairnessError("unfair-10001-retake"))
        #expect(range.description.contains("10001"), "\(range)")
        #expect(Registry.unfairnessError("unfair-5-retake") == nil)
        #expect(throws: RegistryError.self) { _ = try registry.resolveStrategy("unfair-10001-retake") }
        #expect(throws: RegistryError.self) { _ = try registry.resolveStrategy("unfair-5-nofix") }
        var r = BuiltinPlugins.registry()
        #expect(throws: RegistryError.reserved(kind: .strategy, name: "unfair-7-passon", family: "unfair-N-FIX")) {
            try r.register(UnfairRetake(unfairness: 7).renamed("unfair-7-passon"))
        }
    }

    @Test("the requeue bound of a core does not change with its abort rule (F13): the fairness checker allows unfairness requeues under every candidate fix")
    func fairnessBound() {
        for rule in ExclusiveAbort.allCases {
            #expect(FairnessChecker.bound(WaitCore.v5_9(unfairness: 3).aborting(rule)) == 3)
        }
        #expect(FairnessChecker.bound(WaitCore.v4_10.aborting(.passOn)) == nil)
    }
}

/// The violations an entry's buggy configuration may show.
private func expectedKinds(_ entry: BugEntry) -> [ViolationKind] {
    if case .violation(let kinds) = entry.check { return kinds }
    return []
}

/// A strategy under another name, to try a reserved one.
private struct Renamed: Strategy {
    var base: any Strategy
    var name: String
    var summary: String { base.summary }
    var reference: String { base.reference }
    var kernel: KernelConfig { base.kernel }
    func emit(_ hook: Hook, into builder: inout ProgramBuilder, context: HookContext) throws(BuildError) -> Bool {
        try base.emit(hook, into: &builder, context: context)
    }
}

extension Strategy {
    fileprivate func renamed(_ name: String) -> Renamed { Renamed(base: self, name: name) }
}
