/// A kernel assertion — BUG(), BUG_ON, VM_BUG_ON, VM_BUG_ON_PAGE — in the
/// kernel function a primitive models. Core checks each on every step, in
/// every build, and reports a failed one as a `BUG` violation carrying it: a
/// program that would crash the kernel (or, without CONFIG_DEBUG_VM, corrupt
/// it silently) never passes for a correct one.
///
/// The assertions are the kernel's; the wording is the kernel's condition,
/// so a report reads like the oops it predicts. docs/architecture.md lists
/// them with their sources.
public struct KernelAssertion: Hashable, Sendable, CustomStringConvertible {
    /// `BUG`, `BUG_ON`, `VM_BUG_ON` or `VM_BUG_ON_PAGE`.
    public var macro: String
    /// The condition under which the kernel stops, as its source writes it.
    public var condition: String
    /// The kernel function the assertion is in.
    public var function: String
    /// The file, at the version the model follows.
    public var source: String

    public init(_ macro: String, _ condition: String, in function: String, _ source: String) {
        self.macro = macro
        self.condition = condition
        self.function = function
        self.source = source
    }

    /// "VM_BUG_ON_PAGE(!PageLocked(page))"; a bare BUG() names the test it
    /// follows: "BUG() on !test_clear_page_writeback(page)".
    public var check: String {
        macro == "BUG" ? "BUG() on \(condition)" : "\(macro)(\(condition))"
    }

    /// "VM_BUG_ON_PAGE(!PageLocked(page)) in unlock_page".
    public var description: String { "\(check) in \(function)" }
}

extension ViolationKind {
    /// A kernel assertion failed (`Violation.assertion` says which).
    public static let bug = ViolationKind(rawValue: "BUG")
}

extension KernelAssertion {
    // include/linux/mm.h and include/linux/page_ref.h: references.

    /// put_page() -> put_page_testzero(): a put on a zero count — a free page,
    /// or one another task has frozen (the F9 report of 9a1ea439b16b).
    public static let putPageTestzero = KernelAssertion("VM_BUG_ON_PAGE", "page_ref_count(page) == 0", in: "put_page_testzero", "include/linux/mm.h, v4.19")
    /// get_page() needs a reference already held; also reached through the
    /// get_page() in remove_migration_pte and migrate_page_move_mapping.
    /// (From v5.1, f958d7b528b1, the test is page_ref_zero_or_close_to_overflow,
    /// which adds the overflow the model's bounded counts cannot reach.)
    public static let getPage = KernelAssertion("VM_BUG_ON_PAGE", "page_ref_count(page) <= 0", in: "get_page", "include/linux/mm.h, v4.19")
    /// page_ref_unfreeze() of a page that is not frozen.
    public static let unfreezeNotFrozen = KernelAssertion("VM_BUG_ON_PAGE", "page_count(page) != 0", in: "page_ref_unfreeze", "include/linux/page_ref.h, v4.19")
    /// page_ref_unfreeze() to a count of zero.
    public static let unfreezeToZero = KernelAssertion("VM_BUG_ON", "count == 0", in: "page_ref_unfreeze", "include/linux/page_ref.h, v4.19")

    // mm/filemap.c: the page lock and writeback.

    /// unlock_page() of a page that is not locked (folio_unlock's
    /// VM_BUG_ON_FOLIO from v5.16).
    public static let unlockPage = KernelAssertion("VM_BUG_ON_PAGE", "!PageLocked(page)", in: "unlock_page", "mm/filemap.c, v4.19")
    /// end_page_writeback() of a page not under writeback: PG_writeback is
    /// only ever cleared by test_clear_page_writeback, whose caller BUG()s.
    public static let endPageWriteback = KernelAssertion("BUG", "!test_clear_page_writeback(page)", in: "end_page_writeback", "mm/filemap.c, v4.19")

    // mm/vmscan.c and mm/swap.c: the LRU and reclaim.

    /// isolate_lru_page() needs the caller's reference.
    public static let isolateLRUPage = KernelAssertion("VM_BUG_ON_PAGE", "!page_count(page)", in: "isolate_lru_page", "mm/vmscan.c, v4.19")
    /// putback_lru_page() -> lru_cache_add() of a page already on the LRU.
    public static let lruCacheAdd = KernelAssertion("VM_BUG_ON_PAGE", "PageLRU(page)", in: "lru_cache_add", "mm/swap.c, v4.19")
    /// __remove_mapping() of a page that is not locked.
    public static let removeMappingUnlocked = KernelAssertion("BUG_ON", "!PageLocked(page)", in: "__remove_mapping", "mm/vmscan.c, v4.19")
    /// __remove_mapping() of a page the slot's mapping does not own.
    public static let removeMappingForeign = KernelAssertion("BUG_ON", "mapping != page_mapping(page)", in: "__remove_mapping", "mm/vmscan.c, v4.19")

    // mm/rmap.c and mm/migrate.c: unmapping and migration.

    /// try_to_unmap() and remove_migration_ptes() walk a page-cache page's
    /// mappings only under its page lock.
    public static let rmapWalkFile = KernelAssertion("VM_BUG_ON_PAGE", "!PageLocked(page)", in: "rmap_walk_file", "mm/rmap.c, v4.19")
    /// move_to_new_page(): the old page is locked...
    public static let moveOldUnlocked = KernelAssertion("VM_BUG_ON_PAGE", "!PageLocked(page)", in: "move_to_new_page", "mm/migrate.c, v4.19")
    /// ...and so is the new one.
    public static let moveNewUnlocked = KernelAssertion("VM_BUG_ON_PAGE", "!PageLocked(newpage)", in: "move_to_new_page", "mm/migrate.c, v4.19")
    /// migrate_page(): writeback must be complete.
    public static let migratePageWriteback = KernelAssertion("BUG_ON", "PageWriteback(page)", in: "migrate_page", "mm/migrate.c, v4.19")

    // mm/memory_hotplug.c.

    /// remove_memory() of a range with a block that is not offline; the
    /// model's stand-in for "offline" is a free frame.
    public static let removeMemory = KernelAssertion("BUG", "walk_memory_range(check_memblock_offlined_cb) != 0", in: "remove_memory", "mm/memory_hotplug.c, v4.19")

    /// Every assertion Core checks.
    public static let all: [KernelAssertion] = [
        putPageTestzero, getPage, unfreezeNotFrozen, unfreezeToZero, unlockPage, endPageWriteback,
        isolateLRUPage, lruCacheAdd, removeMappingUnlocked, removeMappingForeign, rmapWalkFile,
        moveOldUnlocked, moveNewUnlocked, migratePageWriteback, removeMemory,
    ]
}

extension Engine {
    /// The violation for a failed kernel assertion: `what` says what the
    /// model saw ("the page is not locked").
    func bug(_ assertion: KernelAssertion, _ w: World, _ t: Int, pfn: PFN, _ what: String) -> Violation {
        Violation(.bug, task: t, pfn: pfn, function: function(of: w, task: t),
                  detail: "\(assertion) (\(assertion.source)): \(what)", assertion: assertion)
    }
}
