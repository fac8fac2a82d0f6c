// Long programs: building and loading them is linear (the locals'
// reachability is computed per strongly connected component, not searched
// per pc), they run, and a program over ProgramLimits is refused with the
// limit named. The times are measured by ProgramScaleTiming, not here.

import Testing
@testable import PagewaitCore

@Suite("Long programs")
struct ProgramScaleTests {
    @Test("a 50,000-instruction program of either shape builds, loads and runs to its end", arguments: ["locals", "mixed"])
    func longProgramRuns(shape: String) throws {
        var b = ProgramBuilder(name: "long")
        emitLongProgram(into: &b, instructions: 50_000, shape: shape)
        let program = try b.build()
        #expect(program.instructions.count == 50_000)
        var f = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: program)], counters: 1)
        try f.runAlone(0, limit: 20_000) { _, _ in false }
        #expect(f[0].finished)
    }

    @Test("tasks running the same program share one copy of its operations, and run as they would with their own")
    func identicalProgramsShared() throws {
        var b = ProgramBuilder(name: "long")
        emitLongProgram(into: &b, instructions: 2_000, shape: "mixed")
        let shared = try b.build()
        var c = ProgramBuilder(name: "other")
        emitLongProgram(into: &c, instructions: 1_000, shape: "locals")
        let other = try c.build()
        let tasks = [shared, other, shared, shared].map { TaskSpec(program: $0) }
        var f = try Fixture(pages: [PageSpec()], tasks: tasks, counters: 1)
        #expect(f.engine.ops.count == 3_000, "\(f.engine.ops.count) operations stored for two distinct programs")
        #expect(f.engine.base[0] == f.engine.base[2] && f.engine.base[2] == f.engine.base[3] && f.engine.base[1] != f.engine.base[0])
        // Each task keeps its own pc and registers: running them one after
        // another ends each as its own copy would.
        var alone = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: shared)], counters: 1)
        try alone.runAlone(0, limit: 20_000) { _, _ in false }
        for t in [0, 2, 3] {
            try f.runAlone(t, limit: 20_000) { _, _ in false }
            #expect(f[t].finished && f[t].registers == alone[0].registers, "task \(t)")
        }
    }

    /// What the locals reachable from `pc` (itself if local, and pc + 1)
    /// touch, by a plain search: the reference for the engine's answer.
    static func reference(_ ops: [Op], _ pc: Int, control: Set<Int32>) -> (Bool, UInt64) {
        func isLocal(_ op: Op) -> Bool {
            switch op {
            case .control(.jump), .control(.branch), .control(.set), .control(.move), .control(.add), .control(.count),
                 .control(.readCounter), .control(.loadPage), .control(.exit): true
            default: false
            }
        }
        var seen = Set<Int>(), work = [pc + 1], c = false, pg: UInt64 = 0
        if pc < ops.count && isLocal(ops[pc]) { work.append(pc) }
        while let q = work.popLast() {
            guard q >= 0, q < ops.count, seen.insert(q).inserted, isLocal(ops[q]) else { continue }
            switch ops[q] {
            case .control(.jump(let to)): work.append(Int(to)); continue
            case .control(.branch(_, _, _, let to)): work.append(Int(to))
            case .control(.count(let k)), .control(.readCounter(let k, _)): if control.contains(k) { c = true }
            case .control(.loadPage(_, let pfn)): pg |= 1 << UInt64(pfn.index & 63)
            case .control(.exit): continue
            default: break
            }
            work.append(q + 1)
        }
        return (c, pg)
    }

    @Test("on random programs with loops, jumps in and out and runs of locals, every pc's footprint has the locals' counters and pages a plain search finds")
    func footprintsMatchASearch() throws {
        var rng = SplitMix64(seed: 14)
        for _ in 0..<200 {
            let n = Int(rng.next() % 40) + 1
            var ops: [Op] = []
            for _ in 0..<n {
                let target = Int32(rng.next() % UInt64(n + 2)) - 1
                switch rng.next() % 10 {
                case 0: ops.append(.jump(target))
                case 1, 2: ops.append(.branch(rTmp, .equal, 0, to: target))
                case 3: ops.append(.count(Int32(rng.next() % 3)))
                case 4: ops.append(.readCounter(Int32(rng.next() % 2), into: rTmp2))
                case 5: ops.append(.loadPage(rTmp2, pfn: PFN(rawValue: Int32(rng.next() % 63) + 1)))
                case 6: ops.append(.exit)
                case 7: ops.append(.pause)
                default: ops.append(.add(rTmp, 1))
                }
            }
            // Validation allows targets 0...n; keep the rest for the search.
            ops = ops.map { op in
                switch op {
                case .control(.jump(let t)) where t < 0: .jump(0)
                case .control(.branch(let r, let c, let v, let t)) where t < 0: .branch(r, c, v, to: 0)
                default: op
                }
            }
            let engine = try Engine(programs: [Program(name: "random", instructions: ops.map { Instruction($0, in: "f") })])
            var w = World(pages: 1, tasks: [TaskState(program: 0, registers: [-1, -1, -1, -1])], counters: 3)
            let control = Set(engine.controlCounters)
            for pc in 0..<n {
                w.tasks[0].pc = Int32(pc)
                let f = engine.footprint(of: 0, in: w)
                let (c, pg) = Self.reference(ops, pc, control: control)
                #expect(f.controlCounters == c && f.pages == pg, "\(ops) at \(pc)")
            }
        }
    }

    static let message = "is out of range: allowed 0...1,000,000"

    @Test("a builder asked for more than 1,000,000 instructions stores no more, and build() names the count and the limit")
    func tooManyInstructions() {
        var b = ProgramBuilder(name: "runaway")
        for _ in 0...ProgramLimits.instructions { b.emit(.pause) }
        #expect(b.here == Int32(ProgramLimits.instructions))
        let e = #expect(throws: ProgramError.self) { try b.build() }
        #expect(e?.program == "runaway" && e?.message == "instructions 1000001 \(Self.message)", "\(e.map { "\($0)" } ?? "")")
    }

    @Test("more than 1,000,000 labels: build() names the count and the limit, and the labels past it are harmless")
    func tooManyLabels() {
        var b = ProgramBuilder(name: "labels")
        var last: Label?
        for _ in 0...ProgramLimits.labels { last = b.label() }
        b.bind(last!)
        b.jump(to: last!)
        let e = #expect(throws: ProgramError.self) { try b.build() }
        #expect(e?.message == "labels 1000001 \(Self.message)", "\(e.map { "\($0)" } ?? "")")
    }

    @Test("a label made by another builder is refused by build(), not a trap")
    func foreignLabel() {
        var a = ProgramBuilder(name: "a"), b = ProgramBuilder(name: "b")
        for _ in 0..<5 { _ = a.label() }
        let foreign = a.label()
        b.emit(.pause)
        b.jump(to: foreign)
        b.bind(foreign)
        let e = #expect(throws: ProgramError.self) { try b.build() }
        #expect(e?.program == "b" && e?.pc == 1)
    }

    @Test("Engine.init refuses a program over 1,000,000 instructions, and programs over 4,000,000 together, naming the limit")
    func engineLimits() {
        let one = Array(repeating: Instruction(.pause, in: "f"), count: ProgramLimits.instructions)
        let over = Program(name: "big", instructions: one + [Instruction(.pause, in: "f")])
        let e = #expect(throws: ProgramError.self) { try Engine(programs: [over]) }
        #expect(e?.message == "instructions 1000001 \(Self.message)")
        let full = Program(name: "full", instructions: one)
        #expect(throws: Never.self) { try Engine(programs: [full]) }
        let many = #expect(throws: ProgramError.self) { try Engine(programs: Array(repeating: full, count: 5)) }
        #expect(many?.message == "instructions over all programs 5000000 is out of range: allowed 0...4,000,000")
    }

    @Test("a register past the last is refused in the range-error style")
    func registerMessage() {
        let e = ProgramTests.loads([.set(Register(TaskState.registerCount), 1)])
        #expect(e?.message == "register \(TaskState.registerCount) is out of range: allowed 0...\(TaskState.registerCount - 1)")
    }
}
