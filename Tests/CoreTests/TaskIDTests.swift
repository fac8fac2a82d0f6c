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
