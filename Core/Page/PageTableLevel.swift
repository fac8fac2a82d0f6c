/// The level of the page table an entry sits in (kernel-model §1.3): a PTE
/// mapping one small page, or a PMD mapping a whole huge page (a THP,
/// mm/huge_memory.c). Both live in the world's page-table slots; the level
/// decides which lock guards the slot and which kernel functions change it.
public enum PageTableLevel: UInt8, Hashable, Sendable, CustomStringConvertible {
    /// A PTE, under the process's page-table lock (`pte_lockptr`).
    case pte = 0
    /// A PMD mapping a huge page, under the process's PMD lock
    /// (`pmd_lockptr`, the split PMD lock).
    case pmd = 1

    /// The lock that guards an entry of this level in process `mm`.
    @inlinable public func lock(mm: Int) -> LockID {
        switch self {
        case .pte: .ptl(mm)
        case .pmd: .pmd(mm)
        }
    }

    /// What traces call an entry of this level: `PTE`, `PMD`.
    public var description: String {
        switch self {
        case .pte: "PTE"
        case .pmd: "PMD"
        }
    }
}
