import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

/// `pagewait litmus`: explore one of the weak-memory shapes (Core/Memory/Weak)
/// exhaustively under a memory model, print every outcome and the shortest
/// counterexample found, and export it as a herd7 C litmus test.
struct Litmus: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Explore a weak-memory shape of the zoo (Z2, Z4, Z5) under sc, tso or arm; export a counterexample for herd7.",
        discussion: "Exit status 1 when the model reaches a counterexample (a sleeper at quiescence, or stale data), 0 when it does not.")

    @Argument(help: "The shape; --list shows them.")
    var shape: String?

    @Option(help: "Explore the litmus program in this file instead of a shape (docs/memory-model.md has the format).")
    var file: String?

    @Option(help: "The memory model: sc, tso or arm.")
    var memory = "sc"

    @Option(help: "Write the counterexample's accesses to this file as a herd7 C litmus test.")
    var litmus: String?

    @Option(name: .customLong("trace-out"), help: "Write the counterexample to this file as a Chrome Trace Event document for ui.perfetto.dev: a track per thread and, under tso, per store buffer.")
    var traceOut: String?

    @Flag(help: "List the shapes.")
    var list = false

    func validate() throws {
        do { _ = try MemoryModel(parsing: memory) } catch { throw ValidationError("--memory: \(error)") }
        if [shape != nil, file != nil, list].filter({ $0 }).count > 1 { throw ValidationError("give one of a shape, --file or --list") }
        if let litmus, litmus == traceOut { throw ValidationError("--litmus and --trace-out name the same file '\(litmus)'") }
        if !list && file == nil {
            guard let shape else { throw ValidationError("name a shape, --file or --list") }
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
        let s: WeakShape
        if let file {
            let text: String
            do {
                let attributes = try FileManager.default.attributesOfItem(atPath: file)
                if let size = attributes[.size] as? Int, size > 65_536 { throw ValidationError("--file \(file): \(size) bytes; at most 65,536") }
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch let e as ValidationError { throw e } catch {
                throw ValidationError("--file \(file): cannot read it (\(error.localizedDescription))")
            }
            do { s = try WeakShape.file(text, path: file) } catch { throw ValidationError("\(error)") }
        } else {
            s = WeakShape.catalog.first { $0.name == shape }!
        }
        let out = litmus.map { OutputFile(option: "--litmus", path: $0) }
        let trace = traceOut.map { OutputFile(option: "--trace-out", path: $0) }
        try out?.check()
        try trace?.check()
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
        if let trace {
            if let witness = r.witness {
                try trace.write(LitmusTrace(title: "\(s.name) under \(model)", threads: s.threads,
                                            locations: s.locations, witness: witness).render())
                print("trace written to \(trace.path)")
            } else {
                print("nothing written to \(trace.path): no counterexample")
            }
        }
        if r.witness != nil { throw ExitCode(1) }
    }
}
