import PagewaitCore

/// The rule that grows one task's transition into its transaction: right
/// movers, at most one non-mover, left movers (`Mover`). Both searches use
/// it: the exhaustive walk and the fair-cycle search.
struct Transaction {
    /// The most steps merged into one transition: a task that loops on both
    /// movers alone ends its transaction here.
    static let limit = 256

    /// Steps taken so far, the first included.
    private(set) var steps = 1
    private var committed: Bool
    /// The pc the transaction began at, outside a primitive's frame.
    private let start: Int32?

    /// A transaction whose first step, of class `first`, task `t` is about
    /// to take in `w`.
    init(first: Mover, task t: Int, in w: borrowing World) {
        committed = !first.movesRight
        // (A store-buffer flush under `tso` is a choice beyond the tasks.)
        start = t >= w.tasks.count || w.tasks[t].frame.kind != .none ? nil : w.tasks[t].pc
    }

    /// Whether task `t`'s next step in `w`, of class `next`, belongs to this
    /// transaction; if it does, it is counted. A task back at the pc it
    /// began at has closed a loop: the next round is a transition of its own
    /// (a `pause` loop would otherwise run to the limit).
    mutating func admits(_ next: Mover, task t: Int, in w: borrowing World) -> Bool {
        guard steps < Self.limit else { return false }
        if w.tasks[t].frame.kind == .none && w.tasks[t].pc == start { return false }
        if committed && !next.movesLeft { return false }
        if !next.movesRight { committed = true }
        steps += 1
        return true
    }
}
