/// The sequence of task choices of one run: printable, parseable, and
/// replayable. Format `pw1:` followed by one token per step: a base-36 digit
/// for tasks 0–35, `{n}` for task n ≥ 36; a run of four or more of one task
/// is written `<token>*<count>.`. E.g. `pw1:0*12.1102*3.{40}`. Under
/// `--memory tso` a step may be the flush of task t's oldest buffered store
/// (byte 128 + t), written `^` and t's token: `pw1:01^0*2.1`. Under
/// `--memory arm` a step may be an advance of task t's view of the j-th
/// word its next step reads (byte 192 + 8·t + j, t and j below 8), written
/// `~t.j`: `pw1:0~1.01`. Strings without `^` or `~` read as they always did.
public struct Schedule: Hashable, Sendable, CustomStringConvertible {
    public static let prefix = "pw1:"
    public var steps: [UInt8]

    public init(_ steps: [UInt8] = []) { self.steps = steps }

    private static let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz")

    private static func token(_ t: UInt8) -> String {
        if t >= 192 { return "~\(digits[Int(t - 192) / 8]).\(digits[Int(t - 192) % 8])" }
        if t >= 128 { return "^" + token(t - 128) }
        return t < 36 ? String(digits[Int(t)]) : "{\(t)}"
    }

    public var description: String {
        var s = Self.prefix
        var i = 0
        while i < steps.count {
            var j = i
            while j < steps.count && steps[j] == steps[i] { j += 1 }
            let token = Self.token(steps[i])
            if j - i >= 4 {
                s += token + "*\(j - i)."
            } else {
                for _ in i..<j { s += token }
            }
            i = j
        }
        return s
    }

    public struct ParseError: Error, Hashable, Sendable, CustomStringConvertible {
        /// Character offset in the string as given (leading blanks included).
        public var offset: Int
        public var message: String
        public var description: String { "schedule string, character \(offset): \(message)" }
    }

    /// Parse a schedule string; the error names the character and the problem.
    public init(parsing text: String) throws(ParseError) {
        let all = Array(text)
        var start = 0, end = all.count
        while start < end && all[start].isWhitespace { start += 1 }
        while end > start && all[end - 1].isWhitespace { end -= 1 }
        let chars = all[start..<end]
        let prefix = Array(Self.prefix)
        guard chars.count >= prefix.count, Array(chars.prefix(prefix.count)) == prefix else {
            if let colon = chars.firstIndex(of: ":") {
                throw ParseError(offset: start, message: "unknown format '\(String(chars[start...colon]))' (this build reads '\(Self.prefix)')")
            }
            throw ParseError(offset: start, message: "missing the '\(Self.prefix)' prefix")
        }
        func number(from i: Int, limit: Int) throws(ParseError) -> (Int, Int) {
            var j = i, n = 0
            while j < end, chars[j].isASCII, let d = chars[j].wholeNumberValue {
                n = n * 10 + d
                guard n <= limit else { throw ParseError(offset: i, message: "number too large (at most \(limit))") }
                j += 1
            }
            guard j > i else { throw ParseError(offset: i, message: "expected a number") }
            return (n, j)
        }
        var out: [UInt8] = []
        var i = start + prefix.count
        while i < end {
            var task: Int
            var flush = false
            if chars[i] == "~" {
                // An advance: `~t.j`, t and j in 0...7.
                func digit(_ k: Int, _ what: String) throws(ParseError) -> Int {
                    guard k < end, chars[k].isASCII, let d = chars[k].wholeNumberValue, d < 8 else {
                        throw ParseError(offset: k, message: "an advance is '~t.j' with \(what) in 0...7")
                    }
                    return d
                }
                let t = try digit(i + 1, "the task t")
                guard i + 2 < end, chars[i + 2] == "." else { throw ParseError(offset: i + 2, message: "an advance is '~t.j': expected '.' after the task") }
                let j = try digit(i + 3, "the word j")
                task = 192 + 8 * t + j
                i += 4
            } else {
            if chars[i] == "^" {
                flush = true
                i += 1
                guard i < end else { throw ParseError(offset: i, message: "a '^' (a store-buffer flush) is followed by a task") }
            }
            if chars[i] == "{" {
                let (n, j) = try number(from: i + 1, limit: TaskSet.capacity - 1)
                guard j < end && chars[j] == "}" else { throw ParseError(offset: j, message: "a '{task}' token ends with '}'") }
                task = n
                i = j + 1
            } else if let v = Self.digits.firstIndex(of: chars[i]) {
                task = v
                i += 1
            } else {
                throw ParseError(offset: i, message: "'\(chars[i])' is not a task (0-9, a-z, or {n})")
            }
            if flush {
                guard task < StoreBuffers.flushBase else {
                    throw ParseError(offset: i - 1, message: "a flush names a task below \(StoreBuffers.flushBase)")
                }
                task += 128
            }
            }
            if i < end && chars[i] == "*" {
                let (n, j) = try number(from: i + 1, limit: 100_000_000)
                guard j < end && chars[j] == "." else { throw ParseError(offset: j, message: "a repeat count ends with '.'") }
                out += Array(repeating: UInt8(task), count: n)
                i = j + 1
            } else {
                out.append(UInt8(task))
            }
        }
        steps = out
    }
}

