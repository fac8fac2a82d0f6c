// Names a built-in resolves without a registered plugin (`unfair-N`) are
// reserved: a plugin registered under one would change what the name means.

import Testing
import PagewaitCore
import PagewaitPlugins

/// A strategy that is not what its name says.
private struct Impostor: Strategy {
    var name: String
    var summary: String { "claims a built-in family's name" }
    var reference: String { "" }
    var kernel: KernelConfig { KernelConfig(waitCore: .v4_19) }
    func emit(_ hook: Hook, into builder: inout ProgramBuilder, context: HookContext) -> Bool { false }
}

@Suite("Reserved name families")
struct NameFamilyTests {
    @Test("a plugin may not register a name of the unfair-N family: the family's meaning of the name stays", arguments: [
        "unfair-7", "unfair-0", "unfair-10000", "unfair-10001", "unfair-007", "unfair-+7", "unfair--1", "unfair-99999999999999999999999",
    ])
    func familyNamesAreReserved(name: String) throws {
        var r = BuiltinPlugins.registry()
        #expect(throws: RegistryError.reserved(kind: .strategy, name: name, family: "unfair-N")) { try r.register(Impostor(name: name)) }
        if let n = Int(name.dropFirst("unfair-".count)), (0...10_000).contains(n) {
            let s = try r.resolveStrategy(name)
            #expect(s is Unfair && s.summary != Impostor(name: name).summary)
        }
    }

    @Test("names outside the family, and the registered unfair-5, behave as before")
    func otherNames() throws {
        var r = BuiltinPlugins.registry()
        for name in ["unfair", "unfair-", "unfair-x", "unfair-7a", "unfairness-7", "my-unfair-7"] {
            try r.register(Impostor(name: name))
            #expect(try r.strategy(name) is Impostor)
        }
        #expect(throws: RegistryError.duplicate(kind: .strategy, name: "unfair-5")) { try r.register(Impostor(name: "unfair-5")) }
    }

    @Test("the refusal says which family the name belongs to")
    func message() {
        let e = RegistryError.reserved(kind: .strategy, name: "unfair-7", family: "unfair-N")
        #expect(e.description.contains("'unfair-7'") && e.description.contains("unfair-N"))
    }
}
