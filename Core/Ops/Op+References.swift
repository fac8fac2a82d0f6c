// Page references (include/linux/mm.h, include/linux/page_ref.h): the
// reference primitives of kernel-model §2.1, each one atomic step on the
// page's refcount. The ledger (`World.refs`) follows every reference a task
// takes or drops, so a put without a get is caught (I1).

/// References (include/linux/mm.h, page_ref.h).
public enum ReferenceOp: Hashable, Sendable {
    case getPage(Register)
    case getPageUnlessZero(Register, result: Register)
    case putPage(Register)
    case pageRefFreeze(Register, expected: Int32, result: Register)
    case pageRefUnfreeze(Register, count: Int32)
    /// `page_count()`.
    case readRefcount(Register, into: Register)
    /// `page_mapcount()`.
    case readMapcount(Register, into: Register)
}

extension Op {
    public static func getPage(_ page: Register) -> Op { .reference(.getPage(page)) }
    public static func getPageUnlessZero(_ page: Register, result: Register) -> Op { .reference(.getPageUnlessZero(page, result: result)) }
    public static func putPage(_ page: Register) -> Op { .reference(.putPage(page)) }
    public static func pageRefFreeze(_ page: Register, expected: Int32, result: Register) -> Op {
        .reference(.pageRefFreeze(page, expected: expected, result: result))
    }
    public static func pageRefUnfreeze(_ page: Register, count: Int32) -> Op { .reference(.pageRefUnfreeze(page, count: count)) }
    /// `page_count()`.
    public static func readRefcount(_ page: Register, into r: Register) -> Op { .reference(.readRefcount(page, into: r)) }
    /// `page_mapcount()`.
    public static func readMapcount(_ page: Register, into r: Register) -> Op { .reference(.readMapcount(page, into: r)) }
}

extension ReferenceOp {
    var kernelName: String {
        switch self {
        case .getPage: "get_page"
        case .getPageUnlessZero: "get_page_unless_zero"
        case .putPage: "put_page"
        case .pageRefFreeze(_, let n, _): "page_ref_freeze(\(n))"
        case .pageRefUnfreeze(_, let n): "page_ref_unfreeze(\(n))"
        case .readRefcount: "page_count"
        case .readMapcount: "page_mapcount"
        }
    }

    var listing: String {
        switch self {
        case .getPage(let p), .putPage(let p): "\(kernelName)(r\(p))"
        case .getPageUnlessZero(let p, let result), .readRefcount(let p, let result), .readMapcount(let p, let result):
            "r\(result) = \(kernelName)(r\(p))"
        case .pageRefFreeze(let p, let expected, let result): "r\(result) = page_ref_freeze(r\(p), \(expected))"
        case .pageRefUnfreeze(let p, let count): "page_ref_unfreeze(r\(p), \(count))"
        }
    }

    var registers: [Register] {
        switch self {
        case .getPage(let r), .putPage(let r), .pageRefUnfreeze(let r, _): [r]
        case .getPageUnlessZero(let a, let b), .pageRefFreeze(let a, _, let b), .readRefcount(let a, let b), .readMapcount(let a, let b):
            [a, b]
        }
    }

    /// Registers the operation always writes and does not read first
    /// (`LiveRegisters`): what they held before it is dead. A register
    /// written only on some outcomes is not among them.
    var kills: [Register] {
        switch self {
        case .getPageUnlessZero(let a, let b), .pageRefFreeze(let a, _, let b), .readRefcount(let a, let b), .readMapcount(let a, let b):
            LiveRegisters.result(b, after: a)
        case .getPage, .putPage, .pageRefUnfreeze: []
        }
    }

    var gate: Engine.Gate { .free }

    func problem(length: Int32, behaviors: Int) -> String? { nil }
}

extension Engine {
    func execute(_ op: ReferenceOp, _ w: inout World, _ t: Int, site: StepEvent.Site) throws(Violation) -> StepEvent {
        let event: StepEvent
        switch op {
        case .getPage(let r):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "get_page")
            // get_page: VM_BUG_ON_PAGE(page_ref_count(page) <= 0), an
            // atomic_read (include/linux/mm.h); the frame's life is the model's.
            let count = load(w, .refcount(p.pfn), .relaxed)
            let page = load(w, .frame(p.pfn), .modelOnly)
            if count <= 0 || page.life != .inUse {
                throw bug(.getPage, w, t, pfn: p.pfn, "refcount \(count)\(page.life == .frozen ? ", frozen by task \(page.frozenBy)" : "") (only get_page_unless_zero may try)")
            }
            // page_ref_inc: atomic_inc, unordered (include/linux/page_ref.h).
            rmw(&w, .refcount(p.pfn), .relaxed) { $0 += 1 }
            ledger(&w, t, p.pfn, 1)
            event = StepEvent(task: t, site: site, .refcount, pfn: p.pfn, a: Int64(count), b: Int64(count + 1))
        case .getPageUnlessZero(let r, let out):
            // Safe on any frame whose memmap exists: that is its purpose.
            let p = try pageOperand(&w, t, r)
            let page = load(w, .frame(p.pfn), .modelOnly)
            if !page.memmapPresent { try touch(&w, t, p, "get_page_unless_zero") }
            // page_ref_add_unless(page, 1, 0): atomic_add_unless, fully
            // ordered when it adds (include/linux/page_ref.h).
            let count = rmw(&w, .refcount(p.pfn), .fullyOrdered) { c -> Int32 in
                let old = c
                if old != 0 { c = old + 1 }
                return old
            }
            if count == 0 {
                w.tasks[t].registers[Int(out)] = 0
                event = StepEvent(task: t, site: site, .refFailed, pfn: p.pfn, a: 0)
            } else {
                ledger(&w, t, p.pfn, 1)
                // The pointer now names the usage the reference pins.
                w.tasks[t].registers[Int(r)] = PageRef(pfn: p.pfn, gen: page.gen).register
                w.tasks[t].registers[Int(out)] = 1
                event = StepEvent(task: t, site: site, .refcount, pfn: p.pfn, a: Int64(count), b: Int64(count + 1))
            }
        case .putPage(let r):
            let p = try pageOperand(&w, t, r)
            event = try putPage(&w, t, p, owned: true, site: site)
        case .pageRefFreeze(let r, let expected, let out):
            let p = try pageOperand(&w, t, r)
            try touch(&w, t, p, "page_ref_freeze")
            // page_ref_freeze: atomic_cmpxchg(&page->_refcount, count, 0),
            // fully ordered when it matches (include/linux/page_ref.h); the
            // model also wants the frame in use, not free.
            let life = load(w, .frame(p.pfn), .modelOnly).life
            let count = rmw(&w, .refcount(p.pfn), .fullyOrdered) { c -> Int32 in
                let old = c
                if old == expected && life == .inUse { c = 0 }
                return old
            }
            if count == expected && life == .inUse {
                rmw(&w, .frame(p.pfn), .modelOnly) { $0.life = .frozen; $0.frozenBy = TaskID(t) }
                w.tasks[t].registers[Int(out)] = 1
                event = StepEvent(task: t, site: site, .frozen, pfn: p.pfn, a: Int64(expected))
            } else {
                w.tasks[t].registers[Int(out)] = 0
                event = StepEvent(task: t, site: site, .refFailed, pfn: p.pfn, a: Int64(count))
            }
        case .pageRefUnfreeze(let r, let n):
            let p = try pageOperand(&w, t, r)
            // page_ref_unfreeze: VM_BUG_ON_PAGE(page_count(page) != 0), an
            // atomic_read (include/linux/page_ref.h).
            let count = load(w, .refcount(p.pfn), .relaxed)
            if count != 0 { throw bug(.unfreezeNotFrozen, w, t, pfn: p.pfn, "refcount \(count): the page is not frozen") }
            if n == 0 { throw bug(.unfreezeToZero, w, t, pfn: p.pfn, "unfrozen to a count of 0") }
            let page = load(w, .frame(p.pfn), .modelOnly)
            guard page.life == .frozen && page.frozenBy.index == t else {
                throw Violation(.badProgram, task: t, pfn: p.pfn, function: function(of: w, task: t), detail: "page_ref_unfreeze of a page this task has not frozen")
            }
            // atomic_set_release.
            store(&w, .refcount(p.pfn), n, .release)
            rmw(&w, .frame(p.pfn), .modelOnly) { $0.life = .inUse; $0.frozenBy = .none }
            event = StepEvent(task: t, site: site, .unfrozen, pfn: p.pfn, a: Int64(n))
        case .readRefcount(let r, let out):
            event = try readCount(&w, t, r, into: out, "page_count", site: site) { RefcountCell(pfn: $0) }
        case .readMapcount(let r, let out):
            event = try readCount(&w, t, r, into: out, "page_mapcount", site: site) { MapcountCell(pfn: $0) }
        }
        try advance(&w, t)
        return event
    }

    /// Every reference operation touches the one page its register names.
    func footprint(of op: ReferenceOp, _ t: Int, in w: World, into f: inout Footprint) {
        switch op {
        case .getPage(let r), .putPage(let r), .pageRefUnfreeze(let r, _), .getPageUnlessZero(let r, _),
             .pageRefFreeze(let r, _, _), .readRefcount(let r, _), .readMapcount(let r, _):
            f.page(pfn(in: r, of: t, w))
        }
    }

    /// `page_count()` / `page_mapcount()`: an atomic_read of one count into
    /// a register.
    private func readCount<C: MemoryCell>(_ w: inout World, _ t: Int, _ r: Register, into out: Register, _ name: String,
                                          site: StepEvent.Site, _ cell: (PFN) -> C) throws(Violation) -> StepEvent where C.Value == Int32 {
        let p = try pageOperand(&w, t, r)
        try touch(&w, t, p, name)
        let v = Int64(load(w, cell(p.pfn), .relaxed))
        w.tasks[t].registers[Int(out)] = v
        return StepEvent(task: t, site: site, .setRegister, pfn: p.pfn, a: Int64(out), b: v)
    }
}
