/// How a page maps to one of the hashed wait-queue buckets
/// (`page_waitqueue()`, mm/filemap.c).
public enum BucketHash: Hashable, Sendable {
    /// bucket = pfn mod n.
    case identity
    /// A fixed pseudo-random permutation of pfns, chosen by the seed.
    case permuted(seed: UInt64)
    /// Every page in one bucket: forces the collisions the wake walk filters.
    case collide
}

/// The hashed wait-queue table's shape: 256 buckets in every kernel covered
/// (PAGE_WAIT_TABLE_BITS = 8, since 9dcb8b685fc3, v4.9) and the hash.
public struct WaitQueueTable: Hashable, Sendable {
    public var buckets: Int
    public var hash: BucketHash

    public init(buckets: Int = 256, hash: BucketHash = .identity) {
        precondition(buckets > 0 && buckets <= Int(Int16.max), "bucket count out of range")
        self.buckets = buckets
        self.hash = hash
    }

    /// The bucket a page frame's waiters queue on.
    public func bucket(of pfn: PFN) -> Int16 {
        switch hash {
        case .identity:
            return Int16(pfn.index % buckets)
        case .permuted(let seed):
            var g = SplitMix64(seed: seed ^ UInt64(UInt32(bitPattern: pfn.rawValue)))
            return Int16(g.next() % UInt64(buckets))
        case .collide:
            return 0
        }
    }
}
