import PagewaitCore

extension ViolationKind {
    /// I3: an unwoken, sleeping-state waiter is queued for PG_locked of a
    /// page whose PG_waiters is clear, and no unlock of the page is on its
    /// way to the walk: the next unlock will not look at the queue (F3).
    public static let waitersUnsound = ViolationKind(rawValue: "WAITERS_UNSOUND")
}

/// Kernel-model I3 (PG_waiters soundness): whenever an entry for
/// (P, PG_locked) is on a bucket list, not WOKEN, and its task is not
/// RUNNING, PG_waiters(P) is set — or an unlock of P is between its U1 and
/// the end of its walk (a task in a `wake_up_page_bit` frame for P, or one
/// whose next instruction is that call). PG_waiters may be stale-set, never
/// wrongly clear. A diagnostic: a violation predicts an F3-style hang
/// (a wake-less `__ClearPageLocked`, which may also write back a flags word
/// read before SetPageWaiters, then the free path clearing PG_waiters under
/// a sleeping waiter).
///
/// "Not RUNNING" is read as "may sleep on this entry": under the v4.19 core
/// a waiter that is not asleep and whose last test of the bit found it
/// clear is skipped until it tests again (see `afterStep`). Without that,
/// every DROP waiter that queues on an already-unlocked page and frees it
/// with its put (§2.3 "legacy quirk", §5.11) would be reported.
public struct WaitersChecker: Checker {
    public init() {}

    public mutating func afterStep(_ event: StepEvent, world: World, engine: Engine) -> Violation? {
        let v419 = engine.config.waitCore == .v4_19
        // The queued entries are exactly the list items: usually none or few.
        for item in world.queue where !item.isBookmark {
            let t = item.task.index
            let task = world.tasks[t]
            let e = task.entry
            guard e.onList, e.bit == .locked, !e.flags.contains(.woken), task.state != .running else { continue }
            // v4.19 (§2.3 steps 4-6): a waiter whose last test found the bit
            // clear does not call io_schedule before it tests again; until
            // then its entry only awaits finish_wait or the requeue. A DROP
            // waiter's put may free the page meanwhile, and the free path
            // clears PG_waiters (§1.2, §5.11): stale, not unsound. A waiter
            // that will sleep is checked from its next test, and once asleep.
            if v419 && !task.blocked && !task.wait.bitSet { continue }
            let pfn = e.page.pfn
            guard !pfn.isNone && pfn.index < world.pages.count else { continue }
            let page = world.pages[pfn.index]
            if page.flags.contains(.waiters) || Self.unlockInFlight(world, engine, pfn) { continue }
            let usage = page.life == .free ? "now free" : page.gen != e.page.gen ? "now gen \(page.gen)" : "still gen \(page.gen)"
            let stepper = event.task.index
            return Violation(
                .waitersUnsound, task: t, pfn: pfn, function: engine.function(of: world, task: t),
                detail: "queued in bucket \(e.bucket) for PG_locked of gen \(e.page.gen) (\(usage)), not woken, \(task.state)"
                    + "\(task.blocked ? " and asleep" : ""), but PG_waiters is clear and no unlock of the page is in flight"
                    + " (after task \(stepper)'s step: \(event.action))")
        }
        return nil
    }

    public mutating func atEnd(_ end: RunEnd, world: World, engine: Engine) -> Violation? { nil }

    /// Some task is between an unlock's U1 and the end of its walk for
    /// `pfn`: inside `wake_up_page_bit` for it, or about to call it.
    static func unlockInFlight(_ w: World, _ engine: Engine, _ pfn: PFN) -> Bool {
        for task in w.tasks where !task.finished {
            switch task.frame {
            case .wake:
                if task.wake.page.pfn == pfn && task.wake.bit == .locked { return true }
            case .none:
                let program = engine.programs[Int(task.program)]
                guard Int(task.pc) < program.instructions.count,
                      case .waitWake(.wakeUpPageBit(let r, let bit)) = program.instructions[Int(task.pc)].op, bit == .locked else { continue }
                if PageRef(register: task.registers[Int(r)]).pfn == pfn { return true }
            default:
                continue
            }
        }
        return false
    }
}

/// The PG_waiters checker as a plugin.
public struct WaitersCheckerPlugin: CheckerPlugin {
    public init() {}
    public var name: String { "waiters" }
    public var summary: String { "an unwoken sleeping waiter for PG_locked needs PG_waiters set or an unlock's walk in flight: WAITERS_UNSOUND" }
    public var reference: String { "kernel-model I3, F3; 62906027091f, a978d6f52106" }
    public func make() -> any Checker { WaitersChecker() }
}
