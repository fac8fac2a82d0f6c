// Bisection's reading of a chain of verdicts, and the chains themselves.

import Testing
import PagewaitCore
import PagewaitPlugins

@Suite("bisection")
struct BisectionTests {
    static func outcome(_ kind: ViolationKind?, bounded: Bool = false) -> ExplorationOutcome {
        var o = ExplorationOutcome()
        o.tasks = 2
        o.termination = .acyclic
        o.stateLimitHit = bounded
        if let kind { o.violation = Violation(kind, task: 0, function: "f", detail: "d") }
        return o
    }

    static func steps(_ kinds: [(ViolationKind?, Bool)]) -> [BisectStep] {
        kinds.enumerated().map { i, k in
            BisectStep(version: KernelVersion("v\(i)", strategy: "s\(i)", commit: "c\(i)", title: "t\(i)"), outcome: outcome(k.0, bounded: k.1))
        }
    }

    @Test("every change is named at the version where it happens: present at the start, gone (proved or not), back, of another kind")
    func transitions() {
        let t = Bisection.transitions(Self.steps([(.lostWakeup, false), (.lostWakeup, false), (nil, false), (.lostWakeup, false),
                                                  (.hang, false), (nil, true), (nil, false)]))
        #expect(t.map(\.change) == [.present, .disappears, .reappears, .changes, .disappears])
        #expect(t.map(\.index) == [0, 2, 3, 4, 5])
        #expect(t[1].unproved == nil, "a proof is 'proved gone'")
        #expect(t[4].unproved?.hasPrefix("no violation within bounds") == true, "a bounded search is no proof")
        #expect(t[3].before == .lostWakeup && t[3].after == .hang)
        #expect(t[2].description.hasPrefix("LOST_WAKEUP reappears at v3 s3: c3 \"t3\""), "\(t[2])")
    }

    @Test("a counterexample first found past the start appears; a chain with none has no transition")
    func appears() {
        #expect(Bisection.transitions(Self.steps([(nil, false), (.hang, false)])).map(\.change) == [.appears])
        #expect(Bisection.transitions(Self.steps([(nil, false), (nil, true)])).isEmpty)
    }

    @Test("the chains name registered strategies, the fault chain from v4.19 to no-bookmarks through 5ef64cc8987a, the reclaim chain splitting 9a1ea439b16b at its revert of a978d6f52106")
    func chains() throws {
        for chain in KernelChain.allCases {
            for v in chain.versions { _ = try registry.resolveStrategy(v.strategy) }
        }
        #expect(KernelChain.fault.versions.map(\.strategy) == ["legacy", "put-and-wait", "rewrite-fair", "unfair-5", "noref", "no-bookmarks"])
        #expect(KernelChain.fault.versions.map(\.commit) == ["", "9a1ea439b16b", "2a9127fcf229", "5ef64cc8987a", "ffa65753c431", ""])
        let reclaim = KernelChain.reclaim.versions
        #expect(reclaim.map(\.strategy) == ["legacy", "put-and-wait-unlockless", "put-and-wait"])
        #expect(reclaim[1].commit == "9a1ea439b16b" && reclaim[1].note.contains("a978d6f52106 kept"))
    }

    @Test("a cancelled bisection stops before the next version")
    func cancelled() throws {
        let steps = try Bisection.run(try registry.scenario("killable-lockers"), parameters: [:], chain: KernelChain.fault.versions,
                                      request: ExplorationRequest(), registry: registry, cancelled: { true })
        #expect(steps.isEmpty)
    }
}
