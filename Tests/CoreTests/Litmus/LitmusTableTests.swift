// The litmus table (SB, MP, LB with their annotations), found by
// exhaustive exploration under each memory model: a weak model keeps
// every sequentially consistent outcome and adds exactly the relaxed one
// where the table allows it.

import Testing
@testable import PagewaitCore

@Suite("Litmus table")
struct LitmusTableTests {
    @Test("each row: sc has no relaxed outcome; tso and arm add exactly the table's relaxed outcome, or nothing", arguments: Litmus.all)
    func row(_ row: LitmusRow) throws {
        let sc = Set(try WeakExplorer(row.program, model: .sc).run().outcomes.keys.map(row.project))
        #expect(!sc.contains(row.relaxed), "\(row): SC reached the relaxed outcome")
        #expect(!sc.isEmpty)
        for model in [MemoryModel.tso, .arm] {
            let weak = Set(try WeakExplorer(row.program, model: model).run().outcomes.keys.map(row.project))
            #expect(sc.isSubset(of: weak), "\(row) under \(model) lost an SC outcome")
            let extra = weak.subtracting(sc)
            #expect(extra == (row.allowed[model]! ? [row.relaxed] : []), "\(row) under \(model): extra outcomes \(extra)")
        }
    }

    @Test("no outcome ends with a buffered store or a sleeper, and every model ends every thread in these shapes")
    func outcomesAreComplete() throws {
        for row in Litmus.all {
            for model in MemoryModel.allCases {
                let r = try WeakExplorer(row.program, model: model).run()
                #expect(r.outcomes.keys.allSatisfy { !$0.hangs }, "\(row) \(model)")
            }
        }
    }

    @Test("a program naming a location, register or thread it does not have is refused with where it is")
    func invalidProgram() {
        let bad = LitmusProgram(name: "bad", locations: ["x"], threads: [[.load(location: 3, register: 0, order: .relaxed)]])
        #expect(throws: WeakExplorerError.self) { try WeakExplorer(bad, model: .arm).run() }
        #expect(bad.problem == "bad: P0 instruction 0: location 3 outside 0...0")
        let wake = LitmusProgram(name: "w", locations: ["x"], threads: [[.wake(thread: 2)]])
        #expect(wake.problem == "w: P0 instruction 0: thread 2 outside 0...0")
        #expect(throws: MemoryModelError.self) { try MemoryModel(parsing: "power") }
        #expect((try? MemoryModel(parsing: "tso")) == .tso)
    }
}
