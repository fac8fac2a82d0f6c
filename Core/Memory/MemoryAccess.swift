// The door to the model's memory. Every read, write and read-modify-write
// a step makes of a page word, a PTE, a page-cache slot, a wait entry's
// flags or the reference ledger goes through `load`, `store` or `rmw`,
// naming a cell (MemoryCell.swift) and the order the kernel code gives the
// access (MemoryOrder.swift). In a debug build the door records the access
// when the engine has an access log (AccessLog.swift); in a release build
// it is the bare load or store. The rights check (`touch`,
// AccessRights.swift) stands in front of it where the kernel needs a right.
//
// Outside Core/Memory, only whole-state code reads these arrays directly:
// the world's ledger queries, identity and hashing, the trace's diff, the
// construction of initial worlds, and checkers and reporters, which look
// between steps. `MemoryDoorTests` holds that list.

extension Engine {
    /// Read `cell`.
    @inline(__always)
    func load<C: MemoryCell>(_ w: World, _ cell: C, _ order: MemoryOrder) -> C.Value {
        record(cell, .read, order)
        if arm && order != .modelOnly, let step = w.views.step { return armLoad(w, cell, order, step) }
        if tso && order != .modelOnly && !w.storeBuffers.isEmpty {
            return cell.forwarded(w.storeBuffers, task: w.storeBuffers.current, memory: cell.value(in: w))
        }
        return cell.value(in: w)
    }

    /// Write `value` to `cell`.
    @inline(__always)
    func store<C: MemoryCell>(_ w: inout World, _ cell: C, _ value: C.Value, _ order: MemoryOrder) {
        record(cell, .write, order)
        if arm && order != .modelOnly, let step = w.views.step { return armStore(&w, cell, value, order, step) }
        if tso && order != .modelOnly && !C.armOnly { return storeTSO(&w, cell, value) }
        cell.set(value, in: &w)
    }

    /// Read `cell`, let `body` change the value, and write it back, as one
    /// access; returns what `body` returns. A value `body` leaves as it was
    /// is not written back, so a failed conditional RMW (a test-and-set of
    /// a set bit) leaves the world's storage unshared, as a read would.
    @inline(__always) @discardableResult
    func rmw<C: MemoryCell, R, E: Error>(_ w: inout World, _ cell: C, _ order: MemoryOrder,
                                         _ body: (inout C.Value) throws(E) -> R) throws(E) -> R {
        record(cell, .readModifyWrite, order)
        if arm && order != .modelOnly, let step = w.views.step { return try armRMW(&w, cell, order, step, body) }
        if tso && order != .modelOnly {
            let t = w.storeBuffers.current
            if order == .plain, cell.stored(cell.value(in: w)) != nil {
                // A plain read-modify-write (`__clear_bit`, `flags |= x`) is a
                // load and a store: the store goes into the buffer.
                let old = cell.forwarded(w.storeBuffers, task: t, memory: cell.value(in: w))
                var new = old
                let result = try body(&new)
                if new != old { w.storeBuffers.append(PendingStore(location: cell.location, value: cell.stored(new)!), task: t, taskCount: w.tasks.count) }
                return result
            }
            // An atomic RMW is a locked instruction: it drains the buffer,
            // then runs on memory (one step: a valid TSO execution).
            w.drainStoreBuffer(of: t)
        }
        let old = cell.value(in: w)
        var new = old
        let result = try body(&new)
        if new != old { cell.set(new, in: &w) }
        return result
    }

    /// `smp_mb()` of the stepping task, where the modelled code has one
    /// that is not an RMW's: under `tso` its buffer drains (in the same
    /// step, as an RMW's drain: the explorer also tries each flush as a
    /// step of its own before it), under `arm` its views join and publish
    /// the global view (WeakMachine's `fullBarrier`). Nothing under `sc`.
    @inline(__always)
    func fullBarrier(_ w: inout World) {
        if arm, let step = w.views.step { return step.views.fullBarrier(step.task) }
        if tso && !w.storeBuffers.isEmpty { w.drainStoreBuffer(of: w.storeBuffers.current) }
    }

    /// The value an atomic RMW of `cell` would read now, for a step that
    /// decides before its RMW what the RMW will find (put_page's free):
    /// the newest under `arm`, the task's own buffered store under `tso`.
    /// Not recorded: it is the RMW's own read.
    @inline(__always)
    func rmwValue<C: MemoryCell>(_ w: World, _ cell: C) -> C.Value {
        if tso && !w.storeBuffers.isEmpty { return cell.forwarded(w.storeBuffers, task: w.storeBuffers.current, memory: cell.value(in: w)) }
        return cell.value(in: w)
    }

    /// A store under `tso`: into the task's buffer, or (a cell no buffer
    /// holds, such as the whole frame) at once after draining the buffer,
    /// so the task's stores still reach memory in program order.
    @inline(never)
    func storeTSO<C: MemoryCell>(_ w: inout World, _ cell: C, _ value: C.Value) {
        let t = w.storeBuffers.current
        if let v = cell.stored(value) {
            w.storeBuffers.append(PendingStore(location: cell.location, value: v), task: t, taskCount: w.tasks.count)
        } else {
            w.drainStoreBuffer(of: t)
            cell.set(value, in: &w)
        }
    }

    /// Append the access to the log, if the engine has one. Only debug
    /// builds have this code (PAGEWAIT_ACCESS_LOG, Package.swift): even a
    /// load and a branch per access cost the bench about 1 %.
    @inline(__always)
    private func record<C: MemoryCell>(_ cell: C, _ kind: AccessKind, _ order: MemoryOrder) {
        #if PAGEWAIT_ACCESS_LOG
        if recordsAccesses { accessLog?.append(Access(location: cell.location, kind: kind, order: order)) }
        #endif
    }
}

extension World {
    /// The value of `cell` as partial-order reduction sees it between steps,
    /// to compute a footprint: no task's access, so it is never recorded.
    @inline(__always)
    func peek<C: MemoryCell>(_ cell: C) -> C.Value { cell.value(in: self) }
}
