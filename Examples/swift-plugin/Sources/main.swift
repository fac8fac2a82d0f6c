// swift-plugin: a waiting strategy written in Swift.
//
// `swift-cond-reclaim` is `put-and-wait` (the 2018 patch's DROP wait in the
// fault path) with reclaim's clear of PG_locked replaced: the non-atomic,
// wake-less __ClearPageLocked when PG_waiters is clear, unlock_page
// otherwise. A DROP waiter sets PG_waiters before it puts its reference, and
// reclaim can freeze the page only after that put, so reclaim's test of
// PG_waiters sees every waiter. The program registers the strategy next to
// the built-in plugins, explores every schedule of `reclaim-race` under it,
// and prints the verdict.
//
//     swift run --package-path Examples/swift-plugin
//
// Exit status: 0 when no violation is found, 1 when one is.
import Foundation
import PagewaitCore
import PagewaitPlugins

/// A strategy: a wait core, kernel knobs and behaviours (here put-and-wait's),
/// and the code it emits at each hook.
struct SwiftCondReclaim: Strategy {
    let base: any Strategy = PutAndWait()

    var name: String { "swift-cond-reclaim" }
    var summary: String { "put-and-wait; reclaim clears PG_locked non-atomically only when PG_waiters is clear (Swift)" }
    var reference: String { "shrink_page_list after 9a1ea439b16b (an example plugin)" }
    var kernel: KernelConfig { base.kernel }
    var extraBehaviors: [any WaitBehavior] { base.extraBehaviors }

    func emit(_ hook: Hook, into b: inout ProgramBuilder, context: HookContext) throws(BuildError) -> Bool {
        guard hook == .reclaimClearLocked else {
            return try base.emit(hook, into: &b, context: context)
        }
        guard let waiters = context.temporaries.first else {
            throw BuildError("\(name): reclaim_clear_locked needs a temporary register")
        }
        let page = context.page
        b.function("shrink_page_list") { b in
            // if (PageWaiters(page)) unlock_page(page); else __ClearPageLocked(page);
            let waking = b.label(), done = b.label()
            b.emit(.testFlag(page, .waiters, result: waiters))
            b.branch(waiters, .notEqual, 0, to: waking)
            b.nonAtomicClearLocked(page)
            b.jump(to: done)
            b.bind(waking)
            b.unlockPage(page)
            b.bind(done)
        }
        return true
    }
}

var registry = BuiltinPlugins.registry()
try registry.register(SwiftCondReclaim())

let scenario = try registry.scenario("reclaim-race")
let strategy = try registry.strategy("swift-cond-reclaim")
let setup = try scenario.build(strategy: strategy, parameters: [:])

var request = ExplorationRequest()
request.method = .exhaustive
let outcome = setup.explore(request)

print("reclaim-race under \(strategy.name) (exhaustive)")
if let violation = outcome.violation {
    print("  verdict: VIOLATION \(violation)")
    if let schedule = outcome.best {
        print("  replay: pagewait replay '\(schedule)' --scenario reclaim-race --strategy \(strategy.name)")
    }
} else if outcome.complete {
    print("  verdict: no violation; every reachable state visited")
} else {
    print("  verdict: no violation within bounds (\(outcome.bounds ?? ""))")
}
print("  states \(outcome.states), transitions \(outcome.transitions)")
if outcome.violation != nil { exit(1) }
