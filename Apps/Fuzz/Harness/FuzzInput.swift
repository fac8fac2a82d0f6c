/// A fuzz input read front to back. Reading past the end gives zeros, so
/// every input — the empty one included — decodes to something, and a
/// short input means "defaults" rather than "rejected".
public struct FuzzInput: Sendable {
    public let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public init(_ buffer: UnsafeRawBufferPointer) { self.bytes = Array(buffer) }

    public var remaining: Int { max(0, bytes.count - position) }
    public var isExhausted: Bool { position >= bytes.count }

    /// The next byte, or nil at the end.
    public mutating func next() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    /// The next byte, or 0 at the end.
    public mutating func byte() -> UInt8 { next() ?? 0 }

    public mutating func bool() -> Bool { byte() & 1 == 1 }

    /// A little-endian integer of `count` bytes (missing bytes are zero).
    public mutating func integer(bytes count: Int) -> UInt64 {
        var v: UInt64 = 0
        for i in 0..<count { v |= UInt64(byte()) << (8 * UInt64(i)) }
        return v
    }

    /// An index below `count` (which must be positive).
    public mutating func index(_ count: Int) -> Int { Int(byte()) % count }

    /// One of `choices` (which must not be empty).
    public mutating func pick<T>(_ choices: [T]) -> T { choices[index(choices.count)] }

    /// Up to `limit` raw bytes, the count taken from the input.
    public mutating func blob(limit: Int) -> [UInt8] {
        let n = min(Int(byte()) % (limit + 1), remaining)
        defer { position += n }
        return Array(bytes[position..<(position + n)])
    }
}

/// FNV-1a over the input: a seed, or a choice, that depends on every byte.
func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    bytes.reduce(14_695_981_039_346_656_037) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
}
