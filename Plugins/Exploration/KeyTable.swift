/// A map from state keys (fingerprints) to small values, for the sets a
/// search keeps beside its stack: open addressing with linear probing, and
/// a removal shifts the entries after it back (no tombstones), so a table
/// that sees millions of insertions and removals stays as short as what it
/// holds. Cheaper than a `Dictionary`, whose seeded hash of every key costs
/// more than the probe.
struct KeyTable {
    private var keys: [UInt64]
    /// The value plus one; 0 marks an empty slot.
    private var values: [Int]
    private var shift: UInt64
    private(set) var count = 0

    init() {
        keys = Array(repeating: 0, count: 64)
        values = Array(repeating: 0, count: 64)
        shift = 64 - 6
    }

    private var mask: Int { keys.count - 1 }

    /// Fibonacci hashing: the top bits of the key times 2⁶⁴/φ.
    @inline(__always) private func home(_ k: UInt64) -> Int {
        Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// The slot holding `k`, or the empty slot where it belongs.
    @inline(__always) private func slot(_ k: UInt64) -> Int {
        var i = home(k)
        while values[i] != 0 && keys[i] != k { i = (i + 1) & mask }
        return i
    }

    subscript(k: UInt64) -> Int? {
        let v = values[slot(k)]
        return v == 0 ? nil : v - 1
    }

    mutating func set(_ k: UInt64, _ value: Int) {
        if (count + 1) * 2 > keys.count { grow() }
        let i = slot(k)
        if values[i] == 0 {
            keys[i] = k
            count += 1
        }
        values[i] = value + 1
    }

    mutating func remove(_ k: UInt64) {
        var i = slot(k)
        guard values[i] != 0 else { return }
        count -= 1
        // Move back every entry after i, up to the next empty slot, whose
        // home is not cyclically within (i, j].
        var j = i
        while true {
            j = (j + 1) & mask
            if values[j] == 0 { break }
            let h = home(keys[j])
            let stays = i < j ? (h > i && h <= j) : (h > i || h <= j)
            if stays { continue }
            keys[i] = keys[j]
            values[i] = values[j]
            i = j
        }
        values[i] = 0
    }

    /// As a multiset: one more of `k`.
    mutating func add(_ k: UInt64) { set(k, (self[k] ?? 0) + 1) }

    /// As a multiset: one fewer of `k` (none: nothing).
    mutating func drop(_ k: UInt64) {
        guard let n = self[k] else { return }
        if n > 1 { set(k, n - 1) } else { remove(k) }
    }

    private mutating func grow() {
        let oldKeys = keys, oldValues = values
        keys = Array(repeating: 0, count: oldKeys.count * 2)
        values = Array(repeating: 0, count: oldKeys.count * 2)
        shift -= 1
        for i in oldKeys.indices where oldValues[i] != 0 {
            let s = slot(oldKeys[i])
            keys[s] = oldKeys[i]
            values[s] = oldValues[i]
        }
    }
}
