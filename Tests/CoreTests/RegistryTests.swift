// The plugin registry (Registry.swift): name -> plugin per kind.

import Testing
import PagewaitCore

struct TinyReporter: Reporter {
    var name: String
    var summary: String { "renders the title" }
    var reference: String { "" }
    func render(_ document: ReportDocument) -> String { document.title }
}

struct TinyScheduler: SchedulerPlugin {
    var name: String
    var summary: String { "always the lowest enabled task" }
    var reference: String { "" }
    struct Lowest: Scheduler {
        mutating func pick(runnable: TaskSet, world: World, step: Int) -> Int? { runnable.first }
    }
    func make(seed: UInt64) -> any Scheduler { Lowest() }
}

struct TinyStrategy: Strategy {
    var name: String
    var summary: String { "v4.19 core, no hooks" }
    var reference: String { "9a1ea439b16b" }
    var kernel: KernelConfig { KernelConfig(waitCore: .v4_19) }
    func emit(_ hook: Hook, into builder: inout ProgramBuilder, context: HookContext) -> Bool { false }
}

@Suite("Registry")
struct RegistryTests {
    static func registry() throws -> Registry {
        var r = Registry()
        try r.register(TinyReporter(name: "text"))
        try r.register(TinyReporter(name: "json"))
        try r.register(TinyReporter(name: "csv"))
        try r.register(TinyScheduler(name: "lowest"))
        try r.register(TinyStrategy(name: "legacy"))
        return r
    }

    @Test("register then look up by kind and name, through the typed accessors and the generic lookup")
    func registerAndLookup() throws {
        let r = try Self.registry()
        let reporter = try r.reporter("json")
        #expect(reporter.name == "json")
        #expect(reporter.render(ReportDocument(title: "T")) == "T")
        #expect(try r.scheduler("lowest").name == "lowest")
        let s: any Strategy = try r.lookup(.strategy, "legacy")
        #expect(s.kernel.waitCore == .v4_19 && s.reference == "9a1ea439b16b")
    }

    @Test("names and list are sorted: by name within a kind, by kind then name overall")
    func listSorted() throws {
        let r = try Self.registry()
        #expect(r.names(.reporter) == ["csv", "json", "text"])
        #expect(r.all(.reporter).map(\.name) == ["csv", "json", "text"])
        let list = r.list()
        #expect(list.map(\.name) == ["lowest", "legacy", "csv", "json", "text"].sorted { a, b in
            func kind(_ n: String) -> PluginKind { n == "lowest" ? .scheduler : n == "legacy" ? .strategy : .reporter }
            let ka = PluginKind.allCases.firstIndex(of: kind(a))!, kb = PluginKind.allCases.firstIndex(of: kind(b))!
            return ka != kb ? ka < kb : a < b
        })
        #expect(list.first { $0.name == "legacy" }?.kind == .strategy)
        #expect(r.names(.checker).isEmpty)
    }

    @Test("a second plugin of the same kind and name is refused with RegistryError.duplicate; the same name under another kind is fine")
    func duplicateRefused() throws {
        var r = try Self.registry()
        #expect(throws: RegistryError.duplicate(kind: .reporter, name: "json")) { try r.register(TinyReporter(name: "json")) }
        try r.register(TinyScheduler(name: "json"))
        #expect(r.names(.reporter) == ["csv", "json", "text"])
        #expect(r.names(.scheduler) == ["json", "lowest"])
    }

    @Test("an empty name is refused")
    func emptyNameRefused() {
        var r = Registry()
        #expect(throws: RegistryError.emptyName(kind: .reporter)) { try r.register(TinyReporter(name: "")) }
    }

    @Test("an unknown name gives RegistryError.unknown listing the known names of that kind, sorted, and a hint for a near miss")
    func unknownListsKnown() throws {
        let r = try Self.registry()
        #expect(throws: RegistryError.unknown(kind: .reporter, name: "jsonl", known: ["csv", "json", "text"])) { _ = try r.reporter("jsonl") }
        do {
            _ = try r.reporter("jsonl")
        } catch {
            #expect(error.description.contains("csv, json, text"))
            #expect(error.description.contains("did you mean 'json'"))
        }
        #expect(throws: RegistryError.unknown(kind: .checker, name: "x", known: [])) { _ = try r.checker("x") }
    }
}
