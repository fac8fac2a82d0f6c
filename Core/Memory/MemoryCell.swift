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
    let pfn: Int32
    var location: Location { .flags(pfn: pfn) }
    @inline(__always) func value(in w: World) -> PageFlags { w.pages[Int(pfn)].flags }
    @inline(__always) func set(_ value: PageFlags, in w: inout World) { w.pages[Int(pfn)].flags = value }
}

/// `page->_refcount`.
struct RefcountCell: MemoryCell {
    let pfn: Int32
    var location: Location { .refcount(pfn: pfn) }
    @inline(__always) func value(in w: World) -> Int32 { w.pages[Int(pfn)].refcount }
    @inline(__always) func set(_ value: Int32, in w: inout World) { w.pages[Int(pfn)].refcount = value }
}

/// `page->_mapcount` (as the kernel's `_mapcount + 1`).
struct MapcountCell: MemoryCell {
    let pfn: Int32
    var location: Location { .mapcount(pfn: pfn) }
    @inline(__always) func value(in w: World) -> Int32 { w.pages[Int(pfn)].mapcount }
    @inline(__always) func set(_ value: Int32, in w: inout World) { w.pages[Int(pfn)].mapcount = value }
}

/// `page->mapping`: the page-cache slot, or -1.
struct MappingCell: MemoryCell {
    let pfn: Int32
    var location: Location { .mapping(pfn: pfn) }
    @inline(__always) func value(in w: World) -> Int32 { w.pages[Int(pfn)].mapping }
    @inline(__always) func set(_ value: Int32, in w: inout World) { w.pages[Int(pfn)].mapping = value }
}

/// The whole frame, and the way to the fields only the model has.
struct FrameCell: MemoryCell {
    let pfn: Int32
    var location: Location { .frame(pfn: pfn) }
    @inline(__always) func value(in w: World) -> PageFrame { w.pages[Int(pfn)] }
    @inline(__always) func set(_ value: PageFrame, in w: inout World) { w.pages[Int(pfn)] = value }
}

/// The frame's lock owner, one of the fields only the model has (its
/// location is the frame's): written with every change of PG_locked, so
/// it has a cell of its own rather than a copy of the whole frame.
struct LockOwnerCell: MemoryCell {
    let pfn: Int32
    var location: Location { .frame(pfn: pfn) }
    @inline(__always) func value(in w: World) -> TaskID { w.pages[Int(pfn)].lockOwner }
    @inline(__always) func set(_ value: TaskID, in w: inout World) { w.pages[Int(pfn)].lockOwner = value }
}

/// The task whose writeback keeps PG_writeback set, another of the fields
/// only the model has: written with every change of PG_writeback by
/// set_page_writeback and test_clear_page_writeback.
struct WritebackOwnerCell: MemoryCell {
    let pfn: Int32
    var location: Location { .frame(pfn: pfn) }
    @inline(__always) func value(in w: World) -> TaskID { w.pages[Int(pfn)].writebackBy }
    @inline(__always) func set(_ value: TaskID, in w: inout World) { w.pages[Int(pfn)].writebackBy = value }
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
    let pfn: Int32
    var location: Location { .ledger(task: task, pfn: pfn) }
    @inline(__always) func value(in w: World) -> UInt8 { w.refs[task * w.pages.count + Int(pfn)] }
    @inline(__always) func set(_ value: UInt8, in w: inout World) { w.refs[task * w.pages.count + Int(pfn)] = value }
}

// The names steps use: `load(w, .refcount(pfn), .relaxed)`.
extension MemoryCell where Self == FlagsCell {
    @inline(__always) static func flags(_ pfn: Int32) -> FlagsCell { FlagsCell(pfn: pfn) }
}
extension MemoryCell where Self == RefcountCell {
    @inline(__always) static func refcount(_ pfn: Int32) -> RefcountCell { RefcountCell(pfn: pfn) }
}
extension MemoryCell where Self == MapcountCell {
    @inline(__always) static func mapcount(_ pfn: Int32) -> MapcountCell { MapcountCell(pfn: pfn) }
}
extension MemoryCell where Self == MappingCell {
    @inline(__always) static func mapping(_ pfn: Int32) -> MappingCell { MappingCell(pfn: pfn) }
}
extension MemoryCell where Self == FrameCell {
    @inline(__always) static func frame(_ pfn: Int32) -> FrameCell { FrameCell(pfn: pfn) }
}
extension MemoryCell where Self == LockOwnerCell {
    @inline(__always) static func lockOwner(_ pfn: Int32) -> LockOwnerCell { LockOwnerCell(pfn: pfn) }
}
extension MemoryCell where Self == WritebackOwnerCell {
    @inline(__always) static func writebackOwner(_ pfn: Int32) -> WritebackOwnerCell { WritebackOwnerCell(pfn: pfn) }
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
    @inline(__always) static func ledger(_ task: Int, _ pfn: Int32) -> LedgerCell { LedgerCell(task: task, pfn: pfn) }
}
