// The zoo's entries that need more of the page's flags word and the
// writeback bit (known-bugs Z9, Z12, Z13, Z17): each buggy configuration
// reaches one of its expected violations under exhaustive search, each
// fixed one is a proof; and the capabilities they stand on (the non-atomic
// flag clear, PG_writeback's owner, the walk-break count as a scenario
// parameter, the wake walk's re-visit check) hold their properties.

import PagewaitCore
@testable import PagewaitPlugins
import Testing

@Suite("Zoo: the flags word and PG_writeback (Z9, Z12, Z13, Z17)")
struct ZooFlagsTests {
    static let ids = ["Z9", "Z12", "Z13", "Z17"]

    static func entry(_ id: String) throws -> BugEntry {
        try #require(ZooEntries.all.first { $0.name == id }, "no zoo entry \(id)")
    }

    static func outcome(_ e: BugEntry, _ c: BugConfiguration) throws -> ExplorationOutcome {
        let spec = try #require(ZooEntries.scenarios.first { $0.name == e.scenario }, "\(e.name): no scenario \(e.scenario)")
        let setup = try spec.build(strategy: try registry.resolveStrategy(c.strategy), parameters: c.parameters)
        return exploreOutcome(setup)
    }

    @Test("the buggy configuration reaches one of the entry's expected violations (exhaustive)", arguments: ids)
    func buggyFails(id: String) throws {
        let e = try Self.entry(id)
        guard case .violation(let expected) = e.check else { Issue.record("\(id) is not a violation entry"); return }
        let o = try Self.outcome(e, e.buggy)
        let v = try #require(o.violation, "\(id) \(e.buggy.label): no violation in \(o.states) states")
        #expect(expected.contains(v.kind), "\(id): \(v) is none of \(expected)")
    }

    @Test("every fixed configuration is a proof: exhaustive, whole, every run ends", arguments: ids)
    func fixedIsProof(id: String) throws {
        let e = try Self.entry(id)
        for c in e.fixed {
            let o = try Self.outcome(e, c)
            #expect(ExplorationVerdict(o).isProof, "\(id) \(c.label): \(ExplorationVerdict(o)) \(o.violation.map { "\($0)" } ?? "")")
        }
    }

    @Test("each entry is in ZooEntries.all once, in id order, and its scenario and strategies resolve in the registry")
    func registered() throws {
        let all = ZooEntries.all.map(\.name)
        let mine = all.filter { Self.ids.contains($0) }
        #expect(mine == Self.ids)
        #expect(all == all.sorted { Int($0.dropFirst())! < Int($1.dropFirst())! })
        for id in Self.ids {
            let e = try Self.entry(id)
            _ = try registry.scenario(e.scenario)
            for c in [e.buggy] + e.fixed { _ = try registry.resolveStrategy(c.strategy) }
        }
        // Outside the recorded corpus.
        #expect(!BuiltinPlugins.strategies.contains { $0.name == "put-and-wait-reread" })
        #expect(BuiltinPlugins.zooStrategies.contains { $0.name == "put-and-wait-reread" })
    }

    // MARK: - Capabilities

    @Test("the non-atomic clear refuses the flags it must not touch: PG_locked (its own two steps), PG_waiters, PG_writeback, and more than one flag")
    func flagWordRefuses() throws {
        for f: PageFlags in [.locked, .waiters, .writeback, [.dirty, .lru]] {
            for op: Op in [.nonAtomicClearFlagRead(0, f), .nonAtomicClearFlagWrite(0, f)] {
                var b = ProgramBuilder(name: "bad")
                b.emit(.loadPage(0, pfn: 0))
                b.emit(op)
                let p = try b.build()
                #expect(throws: ProgramError.self, "\(f.kernelName) accepted") { _ = try Engine(config: KernelConfig(), programs: [p]) }
            }
        }
    }

    @Test("walkBreakCount: a scenario that names it sets WAITQUEUE_WALK_BREAK_CNT; out of its range it is refused by name; a scenario that does not name it has no such parameter and runs the kernel's 64")
    func walkBreakCountParameter() throws {
        let z13 = try #require(ZooEntries.scenarios.first { $0.name == "z13-writeback-bookmarks" })
        let noref = try registry.resolveStrategy("noref")
        #expect(try z13.build(strategy: noref, parameters: [:]).engine.config.walkBreakCount == 0)
        #expect(try z13.build(strategy: noref, parameters: ["walkBreakCount": 5]).engine.config.walkBreakCount == 5)
        #expect(z13.knownParameters.contains("walkBreakCount"))
        do {
            _ = try z13.build(strategy: noref, parameters: ["walkBreakCount": 129])
            Issue.record("walkBreakCount 129 accepted")
        } catch {
            #expect("\(error)".contains("walkBreakCount") && "\(error)".contains("0...128"), "\(error)")
        }
        let other = try #require(BuiltinScenarios.all.first { $0.name == "wake-walk" })
        #expect(!other.knownParameters.contains("walkBreakCount"))
        #expect(try other.build(strategy: noref, parameters: [:]).engine.config.walkBreakCount == 64)
        #expect(throws: BuildError.self) { _ = try other.build(strategy: noref, parameters: ["walkBreakCount": 2]) }
    }

    @Test("Z13's finding needs the scaled-down chunk: with the kernel's WAITQUEUE_WALK_BREAK_CNT of 64 no chunk of four tasks ever breaks, and the same bookmarked walk is a proof")
    func kernelChunkNeverBreaksHere() throws {
        let e = try Self.entry("Z13")
        var c = e.buggy
        c.parameters["walkBreakCount"] = 64
        let o = try Self.outcome(e, c)
        #expect(ExplorationVerdict(o).isProof, "\(ExplorationVerdict(o)) \(o.violation.map { "\($0)" } ?? "")")
    }

    @Test("set_page_writeback makes its task the writeback's owner, with the right to touch the page until its test_clear_page_writeback; after it, no right is left")
    func writebackOwnerRight() throws {
        var b = ProgramBuilder(name: "io")
        b.emit(.loadPage(0, pfn: 0))
        b.emit(.getPageUnlessZero(0, result: 1))
        b.emit(.setPageWriteback(0))
        b.emit(.putPage(0))
        b.emit(.testFlag(0, .writeback, result: 1))      // the owner's right
        b.emit(.testClearPageWriteback(0))
        b.emit(.testFlag(0, .waiters, result: 1))        // no right left
        let engine = try Engine(config: KernelConfig(), programs: [try b.build()])
        var w = Layout(mappings: 0).world(tasks: [TaskState(program: 0)], counters: 0)
        var kinds: [ViolationKind] = []
        var owners: [TaskID] = []
        for _ in 0..<8 where !w.tasks[0].finished {
            do { _ = try engine.step(&w, task: 0) } catch { kinds.append(error.kind); break }
            owners.append(w.pages[0].writebackBy)
        }
        #expect(owners.contains(TaskID(0)), "set_page_writeback recorded no owner: \(owners)")
        #expect(w.pages[0].writebackBy == .none && !w.pages[0].flags.contains(.writeback))
        #expect(kinds == [.unsafeAccess], "the owner's touches before the clear are allowed, the one after it is not: \(kinds)")
    }
}
