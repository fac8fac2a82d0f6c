/// A typed location: where it is, for the access log and footprints, and
/// how to reach its value in a world. Steps name cells (`.flags(pfn)`,
/// `.pte(slot)`) and hand them to the door (`load`, `store`, `rmw` in
/// MemoryAccess.swift); only the door calls `value` and `set`.
protocol MemoryCell {
    associatedtype Value: Equatable
    var location: Location { get }
    func value(in w: World) -> Value
    func set(_ value: Value, in w: inout World)
    /// The value as a store buffer carries it (StoreBuffer.swift), or nil
    /// for a cell whose stores apply at once under `tso` (the whole frame,
    /// the model's own fields, the ledger).
    func stored(_ value: Value) -> StoredValue?
    /// What task `t` reads of this cell under `tso`: its own newest
    /// buffered store of the word, else `memory`.
    func forwarded(_ b: StoreBuffers, task t: Int, memory: Value) -> Value
    /// The value a message carries (`--memory arm`), or nil for a cell
    /// whose stores apply at once.
    func unwrap(_ v: StoredValue) -> Value?
    /// A word only `--memory arm` reorders: under `tso` its stores apply at
    /// once, without draining the buffer (the wait entry's linkage).
    static var armOnly: Bool { get }
}

extension MemoryCell {
    static var armOnly: Bool { false }
    func stored(_ value: Value) -> StoredValue? { nil }
    func forwarded(_ b: StoreBuffers, task t: Int, memory: Value) -> Value { memory }
    func unwrap(_ v: StoredValue) -> Value? { nil }
}

/// A cell whose word a store buffer can hold.
protocol BufferedCell: MemoryCell {
    func unwrap(_ v: StoredValue) -> Value?
}

extension BufferedCell {
    func forwarded(_ b: StoreBuffers, task t: Int, memory: Value) -> Value {
        b.newest(location, task: t).flatMap(unwrap) ?? memory
    }
}

/// `page->flags`.
struct FlagsCell: BufferedCell {
    let pfn: PFN
    var location: Location { .flags(pfn: pfn) }
    @inline(__always) func value(in w: World) -> PageFlags { w.pages[pfn.index].flags }
    @inline(__always) func set(_ value: PageFlags, in w: inout World) { w.pages[pfn.index].flags = value }
    func stored(_ value: PageFlags) -> StoredValue? { .flags(value) }
    func unwrap(_ v: StoredValue) -> PageFlags? { if case .flags(let x) = v { x } else { nil } }
    /// The task's newest buffered store of the word, which for a store
    /// that leaves PG_waiters to its own word keeps memory's PG_waiters.
    func forwarded(_ b: StoreBuffers, task t: Int, memory: PageFlags) -> PageFlags {
        switch b.newest(location, task: t) {
        case .flags(let x)?: x
        case .flagsBesideWaiters(let x)?: x.besideWaiters(of: memory)
        default: memory
        }
    }
}

/// `page->flags` when PG_waiters has a word of its own
/// (`PageLockWord.separate`, known-bugs Z5): the same word as `FlagsCell`,
/// but a store of it leaves PG_waiters as it is in memory.
struct LockWordCell: MemoryCell {
    let pfn: PFN
    var location: Location { .flags(pfn: pfn) }
    @inline(__always) func value(in w: World) -> PageFlags { w.pages[pfn.index].flags }
    @inline(__always) func set(_ value: PageFlags, in w: inout World) {
        w.pages[pfn.index].flags = value.besideWaiters(of: w.pages[pfn.index].flags)
    }
    func stored(_ value: PageFlags) -> StoredValue? { .flagsBesideWaiters(value) }
    func forwarded(_ b: StoreBuffers, task t: Int, memory: PageFlags) -> PageFlags {
        FlagsCell(pfn: pfn).forwarded(b, task: t, memory: memory)
    }
}

/// PG_waiters in a word of its own (`Location.waitersWord`): the frame's
/// PG_waiters bit, reached as another word than the flags. Only atomic
/// RMWs (SetPageWaiters, ClearPageWaiters) write it, so no buffer holds it.
struct WaitersWordCell: MemoryCell {
    let pfn: PFN
    var location: Location { .waitersWord(pfn: pfn) }
    @inline(__always) func value(in w: World) -> Bool { w.pages[pfn.index].flags.contains(.waiters) }
    @inline(__always) func set(_ value: Bool, in w: inout World) {
        if value { w.pages[pfn.index].flags.insert(.waiters) } else { w.pages[pfn.index].flags.remove(.waiters) }
    }
}

extension PageFlags {
    /// These flags with PG_waiters as `memory` has it: a store to the flags
    /// word when PG_waiters lives in a word of its own.
    func besideWaiters(of memory: PageFlags) -> PageFlags {
        subtracting(.waiters).union(memory.intersection(.waiters))
    }
}

/// `page->_refcount`.
struct RefcountCell: BufferedCell {
    let pfn: PFN
    var location: Location { .refcount(pfn: pfn) }
    @inline(__always) func value(in w: World) -> Int32 { w.pages[pfn.index].refcount }
    @inline(__always) func set(_ value: Int32, in w: inout World) { w.pages[pfn.index].refcount = value }
    func stored(_ value: Int32) -> StoredValue? { .count(value) }
    func unwrap(_ v: StoredValue) -> Int32? { if case .count(let x) = v { x } else { nil } }
}

/// `page->_mapcount` (as the kernel's `_mapcount + 1`).
struct MapcountCell: BufferedCell {
    let pfn: PFN
    var location: Location { .mapcount(pfn: pfn) }
    @inline(__always) func value(in w: World) -> Int32 { w.pages[pfn.index].mapcount }
    @inline(__always) func set(_ value: Int32, in w: inout World) { w.pages[pfn.index].mapcount = value }
    func stored(_ value: Int32) -> StoredValue? { .count(value) }
    func unwrap(_ v: StoredValue) -> Int32? { if case .count(let x) = v { x } else { nil } }
}

/// `page->mapping`: the page-cache slot, or -1.
struct MappingCell: BufferedCell {
    let pfn: PFN
    var location: Location { .mapping(pfn: pfn) }
    @inline(__always) func value(in w: World) -> Int32 { w.pages[pfn.index].mapping }
    @inline(__always) func set(_ value: Int32, in w: inout World) { w.pages[pfn.index].mapping = value }
    func stored(_ value: Int32) -> StoredValue? { .count(value) }
    func unwrap(_ v: StoredValue) -> Int32? { if case .count(let x) = v { x } else { nil } }
}

/// The whole frame, and the way to the fields only the model has.
struct FrameCell: MemoryCell {
    let pfn: PFN
    var location: Location { .frame(pfn: pfn) }
    @inline(__always) func value(in w: World) -> PageFrame { w.pages[pfn.index] }
    @inline(__always) func set(_ value: PageFrame, in w: inout World) { w.pages[pfn.index] = value }
    /// The frame with task `t`'s own buffered stores to its words applied.
    func forwarded(_ b: StoreBuffers, task t: Int, memory: PageFrame) -> PageFrame {
        guard b.nonEmpty.contains(t) else { return memory }
        var f = memory
        for s in b.stores(of: t) {
            switch (s.location, s.value) {
            case (.flags(let p), .flags(let v)) where p == pfn: f.flags = v
            case (.flags(let p), .flagsBesideWaiters(let v)) where p == pfn: f.flags = v.besideWaiters(of: f.flags)
            case (.refcount(let p), .count(let n)) where p == pfn: f.refcount = n
            case (.mapcount(let p), .count(let n)) where p == pfn: f.mapcount = n
            case (.mapping(let p), .count(let n)) where p == pfn: f.mapping = n
            default: break
            }
        }
        return f
    }
}

/// The frame's lock owner, one of the fields only the model has (its
/// location is the frame's): written with every change of PG_locked, so
/// it has a cell of its own rather than a copy of the whole frame.
struct LockOwnerCell: MemoryCell {
    let pfn: PFN
    var location: Location { .frame(pfn: pfn) }
    @inline(__always) func value(in w: World) -> TaskID { w.pages[pfn.index].lockOwner }
    @inline(__always) func set(_ value: TaskID, in w: inout World) {
        w.pages[pfn.index].lockOwner = value
        w.pages[pfn.index].lockedSince = Int32(truncatingIfNeeded: w.stats.steps)
    }
}

/// The task whose writeback keeps PG_writeback set, another of the fields
/// only the model has: written with every change of PG_writeback by
/// set_page_writeback and test_clear_page_writeback.
struct WritebackOwnerCell: MemoryCell {
    let pfn: PFN
    var location: Location { .frame(pfn: pfn) }
    @inline(__always) func value(in w: World) -> TaskID { w.pages[pfn.index].writebackBy }
    @inline(__always) func set(_ value: TaskID, in w: inout World) { w.pages[pfn.index].writebackBy = value }
}

/// One page-table slot.
struct PTECell: BufferedCell {
    let slot: Int32
    var location: Location { .pte(slot: slot) }
    @inline(__always) func value(in w: World) -> PTE { w.ptes[Int(slot)] }
    @inline(__always) func set(_ value: PTE, in w: inout World) { w.ptes[Int(slot)] = value }
    func stored(_ value: PTE) -> StoredValue? { .pte(value) }
    func unwrap(_ v: StoredValue) -> PTE? { if case .pte(let x) = v { x } else { nil } }
}

/// One page-cache slot.
struct CacheSlotCell: BufferedCell {
    let slot: Int32
    var location: Location { .cacheSlot(slot: slot) }
    @inline(__always) func value(in w: World) -> CacheSlot { w.cache[Int(slot)] }
    @inline(__always) func set(_ value: CacheSlot, in w: inout World) { w.cache[Int(slot)] = value }
    func stored(_ value: CacheSlot) -> StoredValue? { .slot(value) }
    func unwrap(_ v: StoredValue) -> CacheSlot? { if case .slot(let x) = v { x } else { nil } }
}

/// `wait->flags` of the entry on a task's stack.
struct WaitFlagsCell: BufferedCell {
    let task: Int
    var location: Location { .waitFlags(task: task) }
    @inline(__always) func value(in w: World) -> WaitFlags { w.tasks[task].entry.flags }
    @inline(__always) func set(_ value: WaitFlags, in w: inout World) { w.tasks[task].entry.flags = value }
    func stored(_ value: WaitFlags) -> StoredValue? { .waitFlags(value) }
    func unwrap(_ v: StoredValue) -> WaitFlags? { if case .waitFlags(let x) = v { x } else { nil } }
}

/// `wait->entry.next` of the entry on a task's stack, as finish_wait's
/// lockless `list_empty_careful` reads it: true while the entry is linked.
///
/// Only `--memory arm` keeps messages of it. Under `tso` its stores apply
/// at once: x86 keeps stores in order and loads in order (the MP shape is
/// forbidden), so a buffered unlink could only make the waiter find its
/// entry still linked and take q->lock, whose holder's stores it then sees;
/// leaving it out keeps every `tso` state space as it was.
struct WaitLinkCell: MemoryCell {
    let task: Int
    var location: Location { .waitLink(task: task) }
    static var armOnly: Bool { true }
    @inline(__always) func value(in w: World) -> Bool { w.tasks[task].entry.onList }
    @inline(__always) func set(_ value: Bool, in w: inout World) { w.tasks[task].entry.onList = value }
    func stored(_ value: Bool) -> StoredValue? { .waitLink(value) }
    func unwrap(_ v: StoredValue) -> Bool? { if case .waitLink(let x) = v { x } else { nil } }
}

/// The references a task holds on a frame, by the ledger (`World.refs`).
struct LedgerCell: MemoryCell {
    let task: Int
    let pfn: PFN
    var location: Location { .ledger(task: task, pfn: pfn) }
    @inline(__always) func value(in w: World) -> UInt8 { w.refs[task * w.pages.count + pfn.index] }
    @inline(__always) func set(_ value: UInt8, in w: inout World) { w.refs[task * w.pages.count + pfn.index] = value }
}

// The names steps use: `load(w, .refcount(pfn), .relaxed)`.
extension MemoryCell where Self == FlagsCell {
    @inline(__always) static func flags(_ pfn: PFN) -> FlagsCell { FlagsCell(pfn: pfn) }
}
extension MemoryCell where Self == RefcountCell {
    @inline(__always) static func refcount(_ pfn: PFN) -> RefcountCell { RefcountCell(pfn: pfn) }
}
extension MemoryCell where Self == MapcountCell {
    @inline(__always) static func mapcount(_ pfn: PFN) -> MapcountCell { MapcountCell(pfn: pfn) }
}
extension MemoryCell where Self == MappingCell {
    @inline(__always) static func mapping(_ pfn: PFN) -> MappingCell { MappingCell(pfn: pfn) }
}
extension MemoryCell where Self == FrameCell {
    @inline(__always) static func frame(_ pfn: PFN) -> FrameCell { FrameCell(pfn: pfn) }
}
extension MemoryCell where Self == LockOwnerCell {
    @inline(__always) static func lockOwner(_ pfn: PFN) -> LockOwnerCell { LockOwnerCell(pfn: pfn) }
}
extension MemoryCell where Self == WritebackOwnerCell {
    @inline(__always) static func writebackOwner(_ pfn: PFN) -> WritebackOwnerCell { WritebackOwnerCell(pfn: pfn) }
}
extension MemoryCell where Self == PTECell {
    @inline(__always) static func pte(_ slot: Int32) -> PTECell { PTECell(slot: slot) }
}
extension MemoryCell where Self == CacheSlotCell {
    @inline(__always) static func cacheSlot(_ slot: Int32) -> CacheSlotCell { CacheSlotCell(slot: slot) }
}
extension MemoryCell where Self == WaitFlagsCell {
    @inline(__always) static func waitFlags(_ task: Int) -> WaitFlagsCell { WaitFlagsCell(task: task) }
}
extension MemoryCell where Self == WaitLinkCell {
    @inline(__always) static func waitLink(_ task: Int) -> WaitLinkCell { WaitLinkCell(task: task) }
}
extension MemoryCell where Self == LedgerCell {
    @inline(__always) static func ledger(_ task: Int, _ pfn: PFN) -> LedgerCell { LedgerCell(task: task, pfn: pfn) }
}
extension MemoryCell where Self == LockWordCell {
    @inline(__always) static func lockWord(_ pfn: PFN) -> LockWordCell { LockWordCell(pfn: pfn) }
}
extension MemoryCell where Self == WaitersWordCell {
    @inline(__always) static func waitersWord(_ pfn: PFN) -> WaitersWordCell { WaitersWordCell(pfn: pfn) }
}
