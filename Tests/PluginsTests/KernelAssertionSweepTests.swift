// Core checks the kernel's BUG_ON / VM_BUG_ON assertions and the free-time
// bad-page checks on every step. No built-in scenario under any built-in
// strategy may trip one: each would be a kernel crash the strategy causes
// (a finding), or a check stricter than the kernel (a false alarm).

import Testing
import PagewaitCore
import PagewaitPlugins

@Suite("Kernel assertions: the built-ins never trip one")
struct KernelAssertionSweepTests {
    static let strategies = registry.list().filter { $0.kind == .strategy }.map(\.name)
    static let scenarios = BuiltinScenarios.all.map(\.name)

    /// A kernel crash, as opposed to the hangs, lost wakeups and unsafe
    /// accesses the ablations are built to show.
    static func isKernelCrash(_ v: Violation?) -> Bool {
        guard let v else { return false }
        return v.kind == .bug || v.kind == .badPage
    }

    @Test("every built-in scenario under every built-in strategy: no BUG or BAD_PAGE in 100 random schedules, nor in the first 5,000 states of an exhaustive search",
          arguments: scenarios)
    func noKernelCrash(scenario: String) throws {
        #expect(Self.strategies.count >= 10, "the registry lists the built-in strategies")
        for strategy in Self.strategies {
            let setup = try registry.scenario(scenario).build(strategy: try registry.resolveStrategy(strategy), parameters: [:])
            let outcomes = SeedSweep(setup: setup, seeds: 1..<101, jobs: 2).run()
            let crash = outcomes.first { Self.isKernelCrash($0.violation) }
            #expect(crash == nil, "\(scenario) / \(strategy) seed \(crash?.seed ?? 0): \(crash?.violation.map { "\($0)" } ?? "")")
            let explorer = ExhaustiveExplorer(setup: setup, bounds: ExplorationBounds(maxStates: 5_000),
                                              makeCheckers: { Checkers.forExploration(setup) })
            let r = explorer.run(shard: .whole, jobs: 1)
            #expect(!Self.isKernelCrash(r.violation), "\(scenario) / \(strategy), exhaustive: \(r.violation.map { "\($0)" } ?? "")")
        }
    }
}
