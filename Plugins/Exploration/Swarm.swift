import PagewaitCore

/// How one member of a swarm search (`explore --swarm i/n`) diversifies its
/// exhaustive walk, after Holzmann, Joshi and Groce, "Swarm verification
/// techniques" (IEEE TSE 37(6), 2011): the order in which a node's
/// transitions are taken, and the seed of the visited store's keys. Both
/// leave the set of reachable states alone; under a state budget or a bound
/// they change which part of it a member reaches first, so members whose
/// budgets run out cover different parts.
public struct SwarmOrder: Hashable, Sendable {
    /// Ranks a node's transitions: the lowest rank is taken first.
    public var orderSeed: UInt64
    /// Mixed into every stored key, so members' key collisions differ.
    public var hashSeed: UInt64

    public init(orderSeed: UInt64, hashSeed: UInt64) {
        self.orderSeed = orderSeed
        self.hashSeed = hashSeed
    }

    /// The task of `choices` to take next at the node stored as `key`:
    /// a fixed pseudo-random order per node, so a search is deterministic.
    func next(_ choices: TaskSet, key: UInt64) -> Int? {
        var best: (rank: UInt64, task: Int)?
        for t in choices {
            var h = StableHasher()
            h.combine(orderSeed); h.combine(key); h.combine(t)
            let rank = h.value
            if best == nil || rank < best!.rank { best = (rank, t) }
        }
        return best?.task
    }

    /// `key` salted with the hash seed.
    func salted(_ key: UInt64) -> UInt64 {
        var h = StableHasher()
        h.combine(key); h.combine(hashSeed)
        return h.value
    }
}
