/// The classes of lock a program takes explicitly. Each owns a range of
/// `LockID` numbers, so one `LockSet` holds locks of every class.
///
/// A new class (a mutex, an rwsem) is a new case whose range starts where
/// the last one ends; `LockSet.capacity` bounds the last range, and the
/// numbers of the classes before it never move (traces, fingerprints and
/// `WaitFrame.release` hold them).
public enum LockClass: UInt8, CaseIterable, Hashable, Sendable {
    /// `pte_lockptr()`: one page-table lock per process in this model.
    case ptl
    /// `mapping->i_pages` lock of one file.
    case iPages
    /// `pmd_lockptr()`: the split PMD lock that guards a huge page's PMD
    /// (USE_SPLIT_PMD_PTLOCKS); one per process in this model. Its range
    /// lies in a `LockSet`'s second word, so fingerprints of the classes
    /// before it never move.
    case pmd

    /// The first `LockID.raw` of the class.
    @inlinable public var first: UInt8 {
        switch self {
        case .ptl: 0
        case .iPages: 32
        case .pmd: 64
        }
    }

    /// How many locks of the class there are.
    @inlinable public var count: Int { 32 }
}

/// A spinlock a program takes explicitly: a page-table lock or a mapping lock.
///
/// The hashed wait-queue locks are taken only inside the wait/wake cores and
/// are tracked separately (`TaskState.heldBucket`).
public struct LockID: Hashable, Sendable, CustomStringConvertible {
    /// The class's first number plus the instance: what a `LockSet`, a
    /// trace event and `WaitFrame.release` hold.
    public var raw: UInt8
    @inlinable public init(raw: UInt8) { self.raw = raw }

    /// Lock `instance` of class `c`.
    @inlinable public init(_ c: LockClass, _ instance: Int) {
        precondition(instance >= 0 && instance < c.count, "\(c) lock \(instance) does not exist (0..<\(c.count))")
        self.raw = c.first + UInt8(instance)
    }

    public static let maxProcesses = LockClass.ptl.count
    /// `pte_lockptr()`: one page-table lock per process in this model.
    public static func ptl(_ mm: Int) -> LockID { LockID(.ptl, mm) }
    /// `mapping->i_pages` lock of one file.
    public static func mapping(_ file: Int) -> LockID { LockID(.iPages, file) }
    /// `pmd_lock()`: the PMD lock of one process (kernel-model §1.3's PMD level).
    public static func pmd(_ mm: Int) -> LockID { LockID(.pmd, mm) }

    /// The class whose range holds `raw` (the last class for a number
    /// beyond every range).
    public var lockClass: LockClass {
        LockClass.allCases.last { $0.first <= raw } ?? .ptl
    }

    /// Which lock of its class this is: the process, the file.
    public var instance: Int { Int(raw - lockClass.first) }

    public var description: String {
        switch lockClass {
        case .ptl: "ptl(mm \(instance))"
        case .iPages: "i_pages lock(file \(instance))"
        case .pmd: "pmd lock(mm \(instance))"
        }
    }
}
