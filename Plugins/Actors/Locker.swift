import PagewaitCore

/// A generic page-lock user — a filesystem read, say: pin the page,
/// `lock_page` (or `lock_page_killable`, or only `trylock_page` for a
/// stealer), hold it, `unlock_page`, unpin, think; `iterations` times.
public struct Locker: ProgramActor {
    public init() {}
    public var name: String { "locker" }
    public var summary: String { "lock_page / lock_page_killable / trylock_page user: lock, hold, unlock, think" }
    public var reference: String { "lock_page, __lock_page, unlock_page (include/linux/pagemap.h, mm/filemap.c)" }
    /// `killable`: 1 for lock_page_killable; `trylock`: 1 for a stealer that
    /// never sleeps. `iterations`: 0 = until done.
    public var parameters: Parameters { ["iterations": 3, "hold": 1, "think": 1, "killable": 0, "trylock": 0, "delay": 0] }
    public var limits: [String: Limit] {
        ["iterations": ParameterLimit.repetitions, "hold": ParameterLimit.steps, "think": ParameterLimit.steps,
         "killable": ParameterLimit.flag, "trylock": ParameterLimit.flag, "delay": ParameterLimit.steps]
    }

    /// A trylock never sleeps, so it cannot sleep killably.
    public func dependentLimits(_ context: LimitContext) -> [DependentLimit] {
        guard context.parameters["trylock"] == 1 else { return [] }
        return [DependentLimit("killable", Limit(0...0), because: "with trylock = 1 the locker never sleeps")]
    }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        try Self.program(self, context, trylock: context.int("trylock") != 0)
    }

    static func program(_ actor: some ProgramActor, _ context: ActorContext, trylock: Bool) throws(BuildError) -> Program {
        let P = Reg.page, t = Reg.t0
        let iterations = context.int("iterations")
        return try actor.build(actor.name, context) { b in
            let loop = b.label(), exit = b.label(), unpin = b.label(), next = b.label(), interrupted = b.label()
            b.pause(context.int("delay"))
            b.emit(.set(Reg.loop, 0))
            b.bind(loop)
            b.function("locker") { b in
                if iterations > 0 {
                    b.branch(Reg.loop, .greaterOrEqual, Int64(iterations), to: exit)
                } else {
                    b.emit(.readCounter(Counter.done.rawValue, into: t))
                    b.branch(t, .notEqual, 0, to: exit)
                }
                b.emit(.add(Reg.loop, 1))
                b.emit(.loadPage(P, pfn: Layout.pagePfn))
                b.emit(.getPageUnlessZero(P, result: t))
                b.branch(t, .equal, 0, to: next)
            }
            if trylock {
                b.emit(.trylockPage(P, result: t))
                b.branch(t, .equal, 0, to: unpin)
            } else {
                b.lockPage(P, state: context.int("killable") != 0 ? .killable : .uninterruptible, result: t)
                b.branch(t, .notEqual, 0, to: interrupted)
            }
            b.function("locker") { b in
                b.count(.lockAcquired)
                b.pause(context.int("hold"))
            }
            b.unlockPage(P)
            b.function("locker") { b in
                b.jump(to: unpin)
                b.bind(interrupted)
                b.count(.lockInterrupted)
                b.bind(unpin)
                b.emit(.putPage(P))
                b.bind(next)
                b.pause(context.int("think"))
                b.jump(to: loop)
                b.bind(exit)
            }
        }
    }
}

/// A lock stealer: `trylock_page` only, never sleeps; what makes waiters
/// lose the lock after being woken (kernel-model F13 "window steals").
public struct Stealer: ProgramActor {
    public init() {}
    public var name: String { "stealer" }
    public var summary: String { "trylock_page user that never sleeps: steals the lock between unlock and handoff" }
    public var reference: String { "trylock_page (include/linux/pagemap.h)" }
    public var parameters: Parameters { ["iterations": 12, "hold": 1, "think": 0, "delay": 0] }
    public var limits: [String: Limit] {
        ["iterations": ParameterLimit.repetitions, "hold": ParameterLimit.steps, "think": ParameterLimit.steps, "delay": ParameterLimit.steps]
    }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        try Locker.program(self, context, trylock: true)
    }
}

/// Takes the page lock first thing (`lock_page`), holds it for `hold`
/// steps, then unlocks: the single unlock whose wake walk the wake-walk
/// scenario watches.
public struct Holder: ProgramActor {
    public init() {}
    public var name: String { "holder" }
    public var summary: String { "lock_page at once, hold it, unlock once" }
    public var reference: String { "unlock_page -> wake_up_page_bit (mm/filemap.c)" }
    public var parameters: Parameters { ["hold": 40] }
    public var limits: [String: Limit] { ["hold": ParameterLimit.steps] }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        try build("holder", context) { b in
            let exit = b.label()
            b.emit(.loadPage(Reg.page, pfn: Layout.pagePfn))
            b.emit(.getPageUnlessZero(Reg.page, result: Reg.t0))
            b.branch(Reg.t0, .equal, 0, to: exit)
            b.lockPage(Reg.page)
            b.pause(context.int("hold"))
            b.unlockPage(Reg.page)
            b.emit(.putPage(Reg.page))
            b.bind(exit)
        }
    }
}

/// Pins the page and waits for it to be unlocked: `wait_on_page_locked`, a
/// SHARED waiter holding its reference (like a read waiting for I/O).
public struct Reader: ProgramActor {
    public init() {}
    public var name: String { "reader" }
    public var summary: String { "pin the page and wait_on_page_locked (a SHARED waiter)" }
    public var reference: String { "wait_on_page_locked (include/linux/pagemap.h)" }
    public var parameters: Parameters { ["delay": 0] }
    public var limits: [String: Limit] { ["delay": ParameterLimit.steps] }

    public func program(_ context: ActorContext) throws(BuildError) -> Program {
        try build("reader", context) { b in
            let exit = b.label()
            b.pause(context.int("delay"))
            b.emit(.loadPage(Reg.page, pfn: Layout.pagePfn))
            b.emit(.getPageUnlessZero(Reg.page, result: Reg.t0))
            b.branch(Reg.t0, .equal, 0, to: exit)
            b.waitOnPageLocked(Reg.page)
            b.emit(.putPage(Reg.page))
            b.bind(exit)
        }
    }
}
