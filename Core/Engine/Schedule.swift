/// The sequence of task choices of one run: printable, parseable, and
/// replayable. Format `pw1:` followed by one base-36 digit per step (task
/// 0–35), with runs of one task written `<digit>*<count>.`; e.g.
/// `pw1:0*12.1102*3.`.
public struct Schedule: Hashable, Sendable, CustomStringConvertible {
    public static let prefix = "pw1:"
    public var steps: [UInt8]

    public init(_ steps: [UInt8] = []) { self.steps = steps }

    private static let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz")

    public var description: String {
        var s = Self.prefix
        var i = 0
        while i < steps.count {
            var j = i
            while j < steps.count && steps[j] == steps[i] { j += 1 }
            let d = Self.digits[Int(steps[i]) % 36]
            if j - i >= 4 {
                s.append(d)
                s += "*\(j - i)."
            } else {
                for _ in i..<j { s.append(d) }
            }
            i = j
        }
        return s
    }

    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "schedule string, character \(offset): \(message)" }
    }

    /// Parse a schedule string; the error names the character and the problem.
    public init(parsing text: String) throws(ParseError) {
        let chars = Array(text.trimmingWhitespace())
        let prefix = Array(Self.prefix)
        guard chars.count >= prefix.count, Array(chars[0..<prefix.count]) == prefix else {
            if let colon = chars.firstIndex(of: ":") {
                throw ParseError(offset: 0, message: "unknown format '\(String(chars[0...colon]))' (this build reads '\(Self.prefix)')")
            }
            throw ParseError(offset: 0, message: "missing the '\(Self.prefix)' prefix")
        }
        var out: [UInt8] = []
        var i = prefix.count
        while i < chars.count {
            guard let v = Self.digits.firstIndex(of: chars[i]) else {
                throw ParseError(offset: i, message: "'\(chars[i])' is not a task digit (0-9, a-z)")
            }
            i += 1
            if i < chars.count && chars[i] == "*" {
                var j = i + 1
                var n = 0
                while j < chars.count, let d = chars[j].wholeNumberValue, chars[j].isASCII {
                    n = n * 10 + d
                    guard n <= 100_000_000 else { throw ParseError(offset: i, message: "repeat count too large") }
                    j += 1
                }
                guard j > i + 1 else { throw ParseError(offset: i + 1, message: "'*' must be followed by a count") }
                guard j < chars.count && chars[j] == "." else { throw ParseError(offset: j, message: "a repeat count ends with '.'") }
                out += Array(repeating: UInt8(v), count: n)
                i = j + 1
            } else {
                out.append(UInt8(v))
            }
        }
        steps = out
    }
}

extension String {
    func trimmingWhitespace() -> Substring {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return s
    }
}
