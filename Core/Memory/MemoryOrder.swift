/// The ordering the kernel code a step models gives one access, in the
/// kernel's own terms (Documentation/memory-barriers.txt, atomic_t.txt,
/// atomic_bitops.txt). Recorded with every access; the engine itself is
/// sequentially consistent, so today the order changes nothing a run does.
/// It is what a weak-memory mode will need.
enum MemoryOrder: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// An ordinary C access: neither atomic nor ordered. Safe only because a
    /// lock is held (the ptl, the i_pages lock, q->lock) or nobody else can
    /// see the word yet: `__clear_bit`, `set_pte_at`, `wait->flags |= ...`.
    case plain
    /// Atomic but unordered: READ_ONCE / WRITE_ONCE, `atomic_read`,
    /// `atomic_set`, `test_bit`, and the RMWs that return nothing
    /// (`atomic_inc`, `set_bit`, `clear_bit`).
    case relaxed
    /// Later accesses stay after it: `smp_load_acquire`, and a successful
    /// `test_and_set_bit_lock`.
    case acquire
    /// Earlier accesses stay before it: `smp_store_release`,
    /// `atomic_set_release`, `clear_bit_unlock`,
    /// `clear_bit_unlock_is_negative_byte`.
    case release
    /// An smp_mb() on both sides: the RMWs that return a value
    /// (`atomic_dec_and_test`, `atomic_add_unless`, `atomic_cmpxchg`,
    /// `atomic_add_negative`, `test_and_set_bit`, `test_and_clear_bit`).
    /// A conditional one that fails (a cmpxchg that does not match) is not
    /// ordered; the model records the attempt with the same order.
    case fullyOrdered
    /// No kernel access at all: the model's own state (the reference
    /// ledger, a frame's life, generation, lock owner, isolation or memmap)
    /// or a read the model makes for a check or a trace line that the
    /// kernel does not make. A weak-memory mode applies these at once.
    case modelOnly

    var description: String {
        switch self {
        case .plain: "plain"
        case .relaxed: "relaxed"
        case .acquire: "acquire"
        case .release: "release"
        case .fullyOrdered: "fully ordered"
        case .modelOnly: "model only"
        }
    }
}
