/// How big a program may be. Each bound is generous for real code (the
/// built-in programs have a few hundred instructions) and small enough that
/// what is sized by it — the engine's per-instruction tables, a pc in an
/// Int32 — stays bounded. A program over a bound is refused at `build()` or
/// `Engine.init` with a `ProgramError` in the style of every range error:
/// "<what> <value> is out of range: allowed <range>".
public enum ProgramLimits {
    /// Instructions in one program.
    public static let instructions = 1_000_000
    /// Labels one `ProgramBuilder` makes.
    public static let labels = 1_000_000
    /// Instructions over all the programs of one engine.
    public static let engineInstructions = 4_000_000

    /// "instructions 1000001 is out of range: allowed 0...1,000,000".
    static func outOfRange(_ what: String, _ value: some BinaryInteger, _ range: ClosedRange<Int>) -> String {
        RangeError(what: what, value: "\(value)", allowed: Limit(Int64(range.lowerBound)...Int64(range.upperBound)).description).description
    }
}
