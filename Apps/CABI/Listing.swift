import PagewaitCore

/// `pw_builder_listing`'s text for one instruction, in the kernel's words:
/// `r7 = trylock_page(r0)`, `if (r7 == 1) goto 4`, `SetPageDirty(r0)`.
/// Registers are r0..r7, flags PG_*, sleep states TASK_*; nothing of the
/// Swift types behind them.
enum Listing {
    static func line(_ op: Op) -> String {
        func r(_ reg: Register) -> String { "r\(reg)" }
        func name(_ op: Op) -> String { TraceFormatter.operation(op) }
        switch op {
        case .jump(let to): return "goto \(to)"
        case .branch(let reg, let cmp, let value, let to): return "if (\(r(reg)) \(comparison(cmp)) \(value)) goto \(to)"
        case .set(let reg, let value): return "\(r(reg)) = \(value)"
        case .move(let reg, let from): return "\(r(reg)) = \(r(from))"
        case .add(let reg, let value): return "\(r(reg)) += \(value)"
        case .count(let c): return "counter \(c) += 1"
        case .readCounter(let c, let reg): return "\(r(reg)) = counter \(c)"
        case .pause, .exit, .preemptionPoint: return name(op)
        case .loadPage(let reg, let pfn): return "\(r(reg)) = pfn_to_page(\(pfn))"
        case .nonAtomicClearRead(let p): return "__ClearPageLocked(\(r(p))): read the flags word"
        case .nonAtomicClearWrite(let p): return "__ClearPageLocked(\(r(p))): write it back less PG_locked"
        case .getPage(let p), .putPage(let p), .freeFrozenPage(let p), .putbackLRU(let p), .hotRemove(let p):
            return "\(name(op))(\(r(p)))"
        case .getPageUnlessZero(let p, let result), .trylockPage(let p, let result), .readRefcount(let p, let result),
             .readMapcount(let p, let result), .isolateLRU(let p, let result):
            return "\(r(result)) = \(name(op))(\(r(p)))"
        case .clearLockedTestWaiters(let p, let result):
            return "\(r(result)) = clear_bit_unlock_is_negative_byte(PG_locked, \(r(p)))"
        case .pageRefFreeze(let p, let expected, let result): return "\(r(result)) = page_ref_freeze(\(r(p)), \(expected))"
        case .pageRefUnfreeze(let p, let count): return "page_ref_unfreeze(\(r(p)), \(count))"
        case .testFlag(let p, _, let result): return "\(r(result)) = \(name(op))(\(r(p)))"
        case .setFlag(let p, _), .clearFlag(let p, _): return "\(name(op))(\(r(p)))"
        case .waitOnPageBit(let p, let flag, let state, let behavior, let result):
            return "\(r(result)) = wait_on_page_bit_common(\(r(p)), \(flag.kernelName), \(state), \(self.behavior(behavior)))"
        case .waitOnPageBitReleasing(let p, let flag, let state, let behavior, let lock, let result):
            return "\(r(result)) = wait_on_page_bit_common(\(r(p)), \(flag.kernelName), \(state), \(self.behavior(behavior))), dropping \(lock)"
        case .wakeUpPageBit(let p, let flag): return "wake_up_page_bit(\(r(p)), \(flag.kernelName))"
        case .spinLock, .spinUnlock: return name(op)
        case .readPTE(let slot, let kind, let page): return "\(r(kind)), \(r(page)) = read PTE slot \(slot) (kind, page)"
        case .unmapToMigration(let slot, let p), .unmapPTE(let slot, let p): return "\(name(op))(\(r(p)), PTE slot \(slot))"
        case .removeMigrationPTE(let slot, let target): return "remove_migration_pte(PTE slot \(slot), \(r(target)))"
        case .allocPage(let pfn, let into, let result): return "\(r(into)), \(r(result)) = alloc_page(pfn \(pfn)) (page, ok)"
        case .findCachePage(let slot, let into): return "\(r(into)) = find_get_page(cache slot \(slot))"
        case .cacheReplace(let slot, let new): return "xas_store(cache slot \(slot), \(r(new)))"
        case .cacheRemove(let slot): return "__delete_from_page_cache(cache slot \(slot))"
        case .sendSignal(let task, let fatal): return "send_sig(\(fatal ? "SIGKILL" : "a signal"), task \(task))"
        case .signalPending(let result): return "\(r(result)) = signal_pending(current)"
        }
    }

    static func comparison(_ c: Comparison) -> String {
        switch c {
        case .equal: "=="
        case .notEqual: "!="
        case .less: "<"
        case .greaterOrEqual: ">="
        }
    }

    /// The wait behaviours of mm/filemap.c by name; others by their index in
    /// the strategy's table.
    static func behavior(_ id: UInt8) -> String {
        switch id {
        case BehaviorID.exclusive: "EXCLUSIVE"
        case BehaviorID.shared: "SHARED"
        case BehaviorID.drop: "DROP"
        default: "behaviour \(id)"
        }
    }
}
