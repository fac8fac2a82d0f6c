/// A typed location: where it is, for the access log and footprints, and
/// how to reach its value in a world. Steps name cells (`.flags(pfn)`,
/// `.pte(slot)`) and hand them to the door (`load`, `store`, `rmw` in
/// MemoryAccess.swift); only the door calls `value` and `set`.
protocol MemoryCell {
    associatedtype Value: Equatable
    var location: Location { get }
    func value(in w: World) -> Value
    func set(_ value: Value, in w: inout World)
}

/// `page->flags`.
struct FlagsCell: MemoryCell {
    let pfn: PFN
    var location: Location { .flags(pfn: pfn) }
    @inline(__always) func value(in w: World) -> PageFlags { w.pages[pfn.index].flags }
    @inline(__always) func set(_ value: PageFlags, in w: inout World) { w.pages[pfn.index].flags = value }
}

/// `page->_refcount`.
struct RefcountCell: MemoryCell {
    let pfn: PFN
    var location: Location { .refcount(pfn: pfn) }
    @inline(__always) func value(in w: World) -> Int32 { w.pages[pfn.index].refcount }
    @inline(__always) func set(_ value: Int32, in w: inout World) { w.pages[pfn.index].refcount = value }
}

/// `page->_mapcount` (as the kernel's `_mapcount + 1`).
struct MapcountCell: MemoryCell {
    let pfn: PFN
    var location: Location { .mapcount(pfn: pfn) }
    @inline(__always) func value(in w: World) -> Int32 { w.pages[pfn.index].mapcount }
    @inline(__always) func set(_ value: Int32, in w: inout World) { w.pages[pfn.index].mapcount = value }
}

/// `page->mapping`: the page-cache slot, or -1.
struct MappingCell: MemoryCell {
    let pfn: PFN
    var location: Location { .mapping(pfn: pfn) }
    @inline(__always) func value(in w: World) -> Int32 { w.pages[pfn.index].mapping }
    @inline(__always) func set(_ value: Int32, in w: inout World) { w.pages[pfn.index].mapping = value }
}

/// The whole frame, and the way to the fields only the model has.
struct FrameCell: MemoryCell {
    let pfn: PFN
    var location: Location { .frame(pfn: pfn) }
    @inline(__always) func value(in w: World) -> PageFrame { w.pages[pfn.index] }
    @inline(__always) func set(_ value: PageFrame, in w: inout World) { w.pages[pfn.index] = value }
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
struct PTECell: MemoryCell {
    let slot: Int32
    var location: Location { .pte(slot: slot) }
    @inline(__always) func value(in w: World) -> PTE { w.ptes[Int(slot)] }
    @inline(__always) func set(_ value: PTE, in w: inout World) { w.ptes[Int(slot)] = value }
}

/// One page-cache slot.
struct CacheSlotCell: MemoryCell {
    let slot: Int32
    var location: Location { .cacheSlot(slot: slot) }
    @inline(__always) func value(in w: World) -> CacheSlot { w.cache[Int(slot)] }
    @inline(__always) func set(_ value: CacheSlot, in w: inout World) { w.cache[Int(slot)] = value }
}

/// `wait->flags` of the entry on a task's stack.
struct WaitFlagsCell: MemoryCell {
    let task: Int
    var location: Location { .waitFlags(task: task) }
    @inline(__always) func value(in w: World) -> WaitFlags { w.tasks[task].entry.flags }
    @inline(__always) func set(_ value: WaitFlags, in w: inout World) { w.tasks[task].entry.flags = value }
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
extension MemoryCell where Self == LedgerCell {
    @inline(__always) static func ledger(_ task: Int, _ pfn: PFN) -> LedgerCell { LedgerCell(task: task, pfn: pfn) }
}
