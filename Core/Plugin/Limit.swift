/// The allowed range of a number a user, a scenario file or a C caller
/// gives, and the error that refuses one outside it. Core declares it (a
/// program's own bounds use it, and `BuildError.underlying` carries it);
/// the table of every limit is Plugins' `Limits`. A value is checked
/// against its limit before it sizes an allocation or a loop, so no
/// arithmetic on it can overflow afterwards.
public struct Limit: Sendable, CustomStringConvertible {
    public let range: ClosedRange<Int64>

    public init(_ range: ClosedRange<Int64>) { self.range = range }

    /// `value` if it lies in the range; otherwise a `RangeError` naming
    /// `what` (an option, a parameter, a struct field), the value and the range.
    @discardableResult
    public func check<T: BinaryInteger>(_ value: T, _ what: String) throws(RangeError) -> T {
        guard let v = Int64(exactly: value), range.contains(v) else {
            throw RangeError(what: what, value: "\(value)", allowed: description)
        }
        return value
    }

    /// Whether `value` lies in the range.
    public func contains<T: BinaryInteger>(_ value: T) -> Bool {
        guard let v = Int64(exactly: value) else { return false }
        return range.contains(v)
    }

    /// "1...10,000,000", as the help texts and messages print a range.
    public var description: String { "\(Limit.grouped(range.lowerBound))...\(Limit.grouped(range.upperBound))" }

    /// `v` with its digits grouped by three, as the messages print numbers.
    public static func grouped(_ v: Int64) -> String {
        let digits = String(v.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (v < 0 ? "-" : "") + out
    }
}

/// A number outside its allowed range.
public struct RangeError: Error, CustomStringConvertible, Equatable {
    public var what: String
    public var value: String
    public var allowed: String

    public init(what: String, value: String, allowed: String) {
        self.what = what
        self.value = value
        self.allowed = allowed
    }

    public var description: String { "\(what) \(value) is out of range: allowed \(allowed)" }
}

