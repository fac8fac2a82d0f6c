import PagewaitCore

/// A fixed mix of page-lock users on one page, running forever: two
/// `lock_page` users, a `wait_on_page_locked` reader, a
/// `put_and_wait_on_page_locked` faulter and a trylock stealer. It keeps
/// every part of the wait/wake machinery busy, which makes it the engine's
/// speed benchmark (`pagewait bench`).
public enum LockMix {
    static let page: Register = 0
    static let ok: Register = 1

    static func program(_ name: String, _ body: (inout ProgramBuilder) -> Void) throws(ProgramError) -> Program {
        var b = ProgramBuilder(name: name)
        let top = b.label()
        b.bind(top)
        // find_get_page: every user pins the page before touching it.
        b.emit(.loadPage(page, pfn: 0))
        b.emit(.getPageUnlessZero(page, result: ok))
        b.branch(ok, .equal, 0, to: top)
        body(&b)
        b.jump(to: top)
        return try b.build()
    }

    /// The programs: locker, reader, dropper, stealer.
    public static func programs() throws(ProgramError) -> [Program] {
        let locker = try program("locker") { b in
            b.lockPage(page)
            b.emit(.pause)
            b.unlockPage(page)
            b.emit(.putPage(page))
        }
        let reader = try program("reader") { b in
            b.waitOnPageLocked(page)
            b.emit(.putPage(page))
        }
        let dropper = try program("dropper") { b in
            b.putAndWaitOnPageLocked(page)
        }
        let stealer = try program("stealer") { b in
            let skip = b.label()
            b.emit(.trylockPage(page, result: ok))
            b.branch(ok, .equal, 0, to: skip)
            b.unlockPage(page)
            b.bind(skip)
            b.emit(.putPage(page))
        }
        return [locker, reader, dropper, stealer]
    }

    /// One page in the page cache, and the five tasks.
    public static func setup(config: KernelConfig) throws(ProgramError) -> Setup {
        let engine = try Engine(config: config, programs: programs())
        let kinds = [0, 0, 1, 2, 3]
        var world = World(pages: 1, cache: [CacheSlot(file: 0, pfn: 0)], tasks: kinds.map { TaskState(program: $0) })
        world.pages[0].life = .inUse
        world.pages[0].gen = 1
        world.pages[0].refcount = 1
        world.pages[0].mapping = 0
        world.pages[0].flags = [.uptodate, .lru]
        let names = ["locker0", "locker1", "reader", "dropper", "stealer"]
        return Setup(engine: engine, world: world, taskNames: names)
    }
}
