// TaskID (Core/Task/TaskID.swift): a task's number where a structure names
// a task, in the Int16 the fields held before.

import Testing
import PagewaitCore

@Suite("TaskID")
struct TaskIDTests {
    @Test("laid out as an Int16, so the frames, queue items and task states that hold one keep their layout")
    func layout() {
        #expect(MemoryLayout<TaskID>.size == MemoryLayout<Int16>.size)
        #expect(MemoryLayout<TaskID>.alignment == MemoryLayout<Int16>.alignment)
        #expect(MemoryLayout<TaskID>.stride == MemoryLayout<Int16>.stride)
    }

    @Test("feeds the identity the bytes of its raw number, and prints as it")
    func identityAndText() {
        for raw: Int16 in [-1, 0, 3, 255] {
            var a = StableHasher(), b = StableHasher()
            a.combine(TaskID(rawValue: raw))
            b.combine(raw)
            #expect(a.value == b.value)
            #expect("\(TaskID(rawValue: raw))" == "\(raw)")
        }
        #expect(TaskID.none.rawValue == -1 && TaskID.none.index == -1)
        #expect(TaskID(7).index == 7 && TaskID(7) != .none)
    }
}

@Suite("TaskID where a step names a task")
struct TaskIDOperandTests {
    /// What a step event was with a plain `Int16` for its task, field for field.
    struct PlainStepEvent {
        var task: Int16; var site: StepEvent.Site; var action: StepEvent.Action
        var pfn: Int32; var a: Int64; var b: Int64
    }

    @Test("a step event names its task with a TaskID and keeps the layout it had with an Int16, and an Op with a signal's target keeps its size")
    func layout() {
        #expect(MemoryLayout<StepEvent>.size == MemoryLayout<PlainStepEvent>.size)
        #expect(MemoryLayout<StepEvent>.stride == MemoryLayout<PlainStepEvent>.stride)
        #expect(MemoryLayout<SignalOp>.size == MemoryLayout<(Int16, Bool)>.size)
        for t in [0, 5, 127] { #expect(StepEvent(task: t, site: .instruction(0), .nothing).task == TaskID(t)) }
    }

    @Test("send_sig names its target as a TaskID: listed, delivered and reported by the number it held as an Int16")
    func sendSignal() throws {
        #expect(Op.sendSignal(task: TaskID(2), fatal: true).listing == "send_sig(SIGKILL, task 2)")
        #expect(Op.sendSignal(task: TaskID(7), fatal: false).listing == "send_sig(a signal, task 7)")
        var f = try Fixture(pages: [PageSpec()], tasks: [
            TaskSpec(program: try Programs.idle()),
            TaskSpec(program: try Programs.signal(0), holdsReference: false),
        ])
        let event = try f.step(1)
        #expect(event.action == .signal && event.a == 0 && event.b == 1 && event.task == TaskID(1))
        #expect(f[0].pending == .fatal)
    }

    @Test("a target that names no task (none, or past the last) is the program's bug, reported, never a trap")
    func sendSignalToNobody() throws {
        for target in [TaskID.none, TaskID(rawValue: -9), TaskID(2)] {
            let program = try Programs.build("signal") { $0.emit(.sendSignal(task: target, fatal: true)) }
            var f = try Fixture(pages: [PageSpec()], tasks: [TaskSpec(program: try Programs.idle()), TaskSpec(program: program)])
            let footprint = Array(f.engine.footprint(of: 1, in: f.world).tasks)
            #expect(footprint == (target.index < 0 ? [1] : [1, target.index]), "a negative target is no task the step touches")
            #expect(throws: Violation.self) { try f.step(1) }
        }
    }
}
