/// The allowed range of every number a user, a scenario file or a C caller
/// gives: one table, so the command line, scenario files, `--help`,
/// pagewait.h and the C ABI's `PW_ERANGE` all say the same thing. A value is
/// checked against its limit before it sizes an allocation or a loop, so no
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

    /// "1–10,000,000" style, as the help texts and pagewait.h print it.
    public var description: String { "\(Limit.grouped(range.lowerBound))...\(Limit.grouped(range.upperBound))" }

    static func grouped(_ v: Int64) -> String {
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

/// The limits themselves. Each is generous for real use and small enough
/// that nothing sized by it can exhaust memory or overflow.
public enum Limits {
    /// Seeds in one sweep (`--seeds`, `pw_run_options.seeds`).
    public static let seeds = Limit(1...10_000_000)
    /// Worker threads (`--jobs`).
    public static let jobs = Limit(1...256)
    /// Steps in one run (`--max-steps`).
    public static let maxSteps = Limit(1...1_000_000_000)
    /// The random scheduler's mean wake latency and preemption length, in steps.
    public static let timing = Limit(0...1_000_000)
}

// MARK: - The C interface's own numbers

extension Limits {
    /// Numbers only a C caller gives: the fields of `pw_explore_options` and
    /// what one `pw_builder` may hold. pagewait.h states each as a
    /// `PW_MAX_*` define; the ABI tests check the two agree.
    public enum CInterface {
        /// `pw_explore_options.budget`: states (exhaustive) or runs (pct,
        /// random); 0 means the method's default.
        public static let budget = Limit(0...1_000_000_000)
        /// `pw_explore_options.max_depth`: steps on one path. The search
        /// keeps a world per step of the path it is on.
        public static let maxDepth = Limit(1...100_000)
        /// `pw_explore_options.preemptions`: -1 for no bound.
        public static let preemptions = Limit(-1...1_000)
        /// `pw_explore_options.pct_depth`: beyond 65,536 change points PCT
        /// finds nothing new (Exploration clamps to it).
        public static let pctDepth = Limit(1...65_536)
        /// `pw_explore_options.pct_length`: the steps PCT places change
        /// points among; a run's step budget is at most `Limits.maxSteps`.
        public static let pctLength = Limit(1...1_000_000_000)
        /// Instructions one builder's program may hold, and labels it may make.
        public static let instructions = Limit(0...100_000)
    }
}
