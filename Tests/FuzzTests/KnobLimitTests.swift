import PagewaitCore
import PagewaitFuzz
import PagewaitPlugins
import Testing

/// A knob byte never gives a scenario a value it refuses: the schedule
/// target's cases are all meant to build (a build error is a finding of its
/// own), so a value one of the scenario's actors does not allow leaves the
/// scenario's default.
@Suite("fuzz knobs within a scenario's limits")
struct KnobLimitTests {
    /// An input that picks `scenario`, the first strategy, and for `knob`
    /// the value `value` (every other knob at its default).
    static func input(_ c: ScheduleFuzzConfiguration, scenario: String, knob: String, value: Int64) throws -> [UInt8] {
        let s = try #require(c.scenarios.firstIndex { $0.argument == scenario })
        var bytes: [UInt8] = [UInt8(s), 0]
        for k in ScheduleFuzzer.knobs {
            let i = k.name == knob ? try #require(k.values.firstIndex(of: value)) : -1
            bytes.append(i < 0 ? 0 : UInt8(192 + i))
        }
        return bytes + [0]
    }

    @Test("thp-numa-fault allows one mapping: a mappings byte for 2 leaves the default, and the case builds; a scenario that allows 2 gets it")
    func refusedValueLeavesTheDefault() throws {
        let c = try ScheduleFuzzConfiguration(mode: .all)
        let fuzzer = ScheduleFuzzer(c)
        #expect(c.refusedKnobValues["thp-numa-fault"]?.contains("mappings=2") == true)
        var refused = FuzzInput(try Self.input(c, scenario: "thp-numa-fault", knob: "mappings", value: 2))
        let t = try #require(fuzzer.decode(&refused))
        #expect(t.scenario == "thp-numa-fault" && t.parameters["mappings"] == nil)
        #expect((try? fuzzer.setup(for: t).get()) != nil, "the case builds")
        var allowed = FuzzInput(try Self.input(c, scenario: "migrate-vs-faulters", knob: "mappings", value: 2))
        #expect(try #require(fuzzer.decode(&allowed)).parameters["mappings"] == 2)
    }
}
