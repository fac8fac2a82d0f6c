// Access rights (kernel-model I5), the check in front of the memory door:
// a task may touch a frame only while it holds a reference, has frozen it,
// holds the ptl of a PTE (or the PMD lock of a PMD) that maps or
// migration-maps it, holds the mapping lock of the cache slot that points
// at it, or owns the writeback that keeps PG_writeback set on it
// (PG_writeback holds no reference, but truncation waits for it to clear:
// the I/O completion may touch the page until its test_clear_page_writeback,
// and not after, 073861ed77b6). A step calls `touch`
// before its first access to a frame where the kernel code needs such a
// right, so a use after put is caught there (UNSAFE_ACCESS, WRONG_USAGE,
// FATAL_UAF). The accesses that need none, and why:
//
//   - get_page_unless_zero is speculative: any frame whose memmap exists
//     will do, so it checks only after hot-remove;
//   - put_page drops the right it uses: its own reference, which the
//     ledger must show, or a mapping's in try_to_unmap, so it checks only
//     when the ledger shows none or the memmap is gone;
//   - the allocator and hot-remove own free frames, and page_ref_unfreeze
//     and freeing a frozen page check that the task froze it instead;
//   - forming a pointer (pfn_to_page, a PTE or cache slot read) reads only
//     the model's generation, not the page;
//   - the checks on a page (the rmap walk's page lock and get_page's count,
//     the kernel's; the owner of PG_locked, the model's) look at a page the
//     step already has a right to or touches next, and the old page a
//     page-cache replace or remove finds in its slot is covered by the
//     i_pages lock the step holds.
//
// The check reads the ledger, the frame and the PTEs and slots that map it
// as the model's oracle, not as the kernel would: it records no access.

extension Engine {
    /// Whether `t` may touch frame `pfn` now (kernel-model I5): it holds a
    /// reference, has frozen the page, owns the writeback under way on it,
    /// holds the ptl of a PTE (the PMD lock of a PMD) that maps or
    /// migration-maps it, or holds the mapping lock of the cache slot that
    /// points at it.
    func hasRight(_ w: World, _ t: Int, _ pfn: PFN) -> Bool {
        if w.references(of: t, on: pfn) > 0 { return true }
        let p = w.pages[pfn.index]
        if p.life == .frozen && p.frozenBy.index == t { return true }
        if p.writebackBy.index == t && p.flags.contains(.writeback) { return true }
        let held = w.tasks[t].heldLocks
        if !held.isEmpty {
            for i in w.ptes.indices where w.ptes[i].pfn == pfn && (w.ptes[i].kind.maps || w.ptes[i].kind == .migration) {
                if held.contains(w.ptes[i].lock) { return true }
            }
            for i in w.cache.indices where w.cache[i].pfn == pfn {
                if held.contains(.mapping(Int(w.cache[i].file))) { return true }
            }
        }
        return false
    }

    /// Check an access to `ref`'s frame by `t`; throws UNSAFE_ACCESS,
    /// WRONG_USAGE (the frame was reused since `ref` was formed) or
    /// FATAL_UAF (its memmap is gone).
    @inline(__always)
    func touch(_ w: inout World, _ t: Int, _ ref: PageRef, _ what: @autoclosure () -> String) throws(Violation) {
        // The usual case, read inline: the memmap is there and the task
        // holds a reference (`hasRight`'s first test, out of line).
        if w.pages[ref.pfn.index].memmapPresent && w.references(of: t, on: ref.pfn) > 0 { return }
        let p = w.pages[ref.pfn.index]
        if !p.memmapPresent {
            throw Violation(.fatalUAF, task: t, pfn: ref.pfn, function: function(of: w, task: t),
                            detail: "\(what()) after the memmap was hot-removed")
        }
        if hasRight(w, t, ref.pfn) { return }
        if p.gen != ref.gen {
            throw Violation(.wrongUsage, task: t, pfn: ref.pfn, function: function(of: w, task: t),
                            detail: "\(what()) with no reference; the frame was reused (gen \(ref.gen) -> \(p.gen))")
        }
        throw Violation(.unsafeAccess, task: t, pfn: ref.pfn, function: function(of: w, task: t),
                        detail: "\(what()) with no reference, ptl or mapping lock held")
    }
}
