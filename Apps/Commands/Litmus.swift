import ArgumentParser
import PagewaitCore

/// `pagewait litmus`: explore one of the weak-memory shapes (Core/Memory/Weak)
/// exhaustively under a memory model, print every outcome and the shortest
/// counterexample found, and export it as a herd7 C litmus test.
struct Litmus: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explore a weak-memory shape of the zoo (Z2, Z4, Z5) under sc, tso or arm; export a counterexample for herd7.",
        discussion: "Exit status 1 when the model reaches a counterexample (a sleeper at quiescence, or stale data), 0 when it does not.")

    @Argument(help: "The shape; --list shows them.")
    var shape: String?

    @Option(help: "The memory model: sc, tso or arm.")
    var memory = "sc"

    @Option(help: "Write the counterexample's accesses to this file as a herd7 C litmus test.")
    var litmus: String?

    @Flag(help: "List the shapes.")
    var list = false

    func validate() throws {
        do { _ = try MemoryModel(parsing: memory) } catch { throw ValidationError("--memory: \(error)") }
        if !list {
            guard let shape else { throw ValidationError("name a shape, or --list") }
            let names = WeakShape.catalog.map(\.name)
            if !names.contains(shape) {
                throw ValidationError("unknown shape '\(shape)'\(Suggestion.hint(shape, among: names)); known: \(names.joined(separator: ", "))")
            }
        }
    }

    func run() throws {
        if list {
            let width = WeakShape.catalog.map(\.name.count).max() ?? 0
            for s in WeakShape.catalog { print("  \(s.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(s.summary)") }
            return
        }
        let model = try MemoryModel(parsing: memory)
        let s = WeakShape.catalog.first { $0.name == shape }!
        let out = litmus.map { OutputFile(option: "--litmus", path: $0) }
        try out?.check()
        let r = try s.report(model)
        print(r.text, terminator: "")
        if let out {
            if let text = r.litmus {
                try out.write(text)
                print("herd7 litmus test written to \(out.path)")
            } else {
                print("nothing written to \(out.path): no counterexample")
            }
        }
        if r.counterexample { throw ExitCode(1) }
    }
}
