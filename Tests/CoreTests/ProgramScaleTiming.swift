// How long building and loading a long program takes, for the numbers in
// docs/performance.md. Not a test (no time is asserted); compiled only on
// its own, with Core's sources, in release mode:
//
//   swiftc -O -wmo -parse-as-library -module-name PagewaitCore -D PW_SCALE_TIMING \
//       Core/*/*.swift Tests/CoreTests/ProgramScaleTiming.swift -o .build/program-scale
//   .build/program-scale 10000 20000 50000
//
// ProgramScaleTests builds and runs the same shapes, untimed.

#if PW_SCALE_TIMING
import Foundation

@main
struct ProgramScaleTiming {
    static func main() throws {
        let sizes = CommandLine.arguments.dropFirst().compactMap { Int($0) }
        for shape in ["locals", "mixed"] {
            var previous: (n: Int, seconds: Double)?
            for n in sizes.isEmpty ? [10_000, 20_000, 50_000] : sizes {
                let start = Date()
                var b = ProgramBuilder(name: "long")
                emitLongProgram(into: &b, instructions: n, shape: shape)
                let program = try b.build()
                let built = Date()
                _ = try Engine(programs: [program])
                let loaded = Date()
                let total = loaded.timeIntervalSince(start)
                var line = "\(shape) \(n): build \(ms(built.timeIntervalSince(start))) ms, engine \(ms(loaded.timeIntervalSince(built))) ms, total \(ms(total)) ms"
                if let p = previous { line += String(format: ", x%.1f the time for x%.1f the instructions", total / p.seconds, Double(n) / Double(p.n)) }
                print(line)
                previous = (n, total)
            }
        }
    }

    static func ms(_ s: Double) -> String { String(format: "%.1f", s * 1000) }
}
#else
import PagewaitCore
#endif

/// `instructions` instructions of one shape: "locals" is one long run of
/// register instructions (the worst case for anything that follows the
/// locals from each pc); "mixed" interleaves visible steps, branches and
/// a backward loop.
func emitLongProgram(into b: inout ProgramBuilder, instructions n: Int, shape: String) {
    let r: Register = 2
    if shape == "locals" {
        for i in 0..<n - 1 { b.emit(i % 2 == 0 ? .add(r, 1) : .set(r + 1, Int64(i))) }
        b.emit(.pause)
        return
    }
    let top = b.label()
    b.bind(top)
    var emitted = 0
    while emitted + 6 <= n - 1 {
        let skip = b.label()
        b.emit(.add(r, 1))
        b.branch(r, .equal, -1, to: skip)
        b.emit(.loadPage(0, pfn: 0))
        b.emit(.pause)
        b.bind(skip)
        b.emit(.count(0))
        b.emit(.set(r + 1, Int64(emitted)))
        emitted += 6
    }
    b.branch(r, .less, 0, to: top)
    while b.here < Int32(n) { b.emit(.pause) }
}
