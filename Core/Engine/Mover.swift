/// How a step commutes with the steps of other tasks, in the sense of
/// Lipton's reduction ("Reduction: a method of proving properties of
/// parallel programs", CACM 18(12), 1975) as Flanagan and Qadeer use it for
/// model checking ("Transactions for software model checking", 2003).
///
/// - A *right mover* can be swapped with any step of another task that
///   follows it, with the same result: taking a spinlock (no other task can
///   release or take it while it is held, and nothing else reads it).
/// - A *left mover* can be swapped with any step of another task that
///   precedes it, and is never blocked: releasing a spinlock.
/// - A *both mover* is both: a step that touches only the task's own
///   private state (`pause`, a preemption point: the pc and a hint no step
///   reads).
/// - Everything else is a *non-mover*.
///
/// A run of one task's steps of the shape right* non? left* is a
/// transaction: every interleaving of other tasks inside it can be moved
/// out of it, so the explorer may take it as one transition
/// (`ExplorationBounds.stepMerging`). The class is declared beside each
/// operation's footprint (`Engine.footprint(of:in:)`) and demoted to
/// `.none` when the local instructions that run after the operation, as
/// part of the same step, read or write anything another task can see.
public enum Mover: UInt8, Hashable, Sendable {
    case none
    case right
    case left
    case both

    /// The step may start or continue a transaction before its commit point.
    @inlinable public var movesRight: Bool { self == .right || self == .both }
    /// The step may follow a transaction's commit point.
    @inlinable public var movesLeft: Bool { self == .left || self == .both }
}
