// TaskSet (TaskSet.swift): the runnable set handed to schedulers, two
// machine words for up to 128 tasks, and Engine.enabledTasks across the
// 64-task boundary.

import Testing
import PagewaitCore

@Suite("TaskSet")
struct TaskSetTests {
    @Test("an empty set: isEmpty, count 0, no first member, nothing contained, prints as {}")
    func empty() {
        let s = TaskSet()
        #expect(s.isEmpty && s.count == 0 && s.first == nil)
        #expect(!s.contains(0) && !s.contains(64) && !s.contains(127))
        #expect(Array(s) == [])
        #expect(s.description == "{}")
    }

    @Test("insert, contains and count on both sides of 64; inserting twice counts once; out-of-range numbers are never contained")
    func insertContainsCount() {
        var s = TaskSet()
        for t in [127, 64, 0, 63, 5, 65] { s.insert(t) }
        s.insert(64)
        #expect(s.count == 6 && !s.isEmpty)
        for t in [0, 5, 63, 64, 65, 127] { #expect(s.contains(t), "\(t)") }
        for t in [1, 62, 66, 126, 128, 1000, -1] { #expect(!s.contains(t), "\(t)") }
        #expect(s.low == (1 << 0 | 1 << 5 | 1 << 63) as UInt64)
        #expect(s.high == (1 << 0 | 1 << 1 | 1 << 63) as UInt64, "64, 65, 127")
    }

    @Test("iteration, nth and first go in ascending order across the word boundary")
    func orderAcrossBoundary() {
        let members = [0, 5, 63, 64, 65, 127]
        let s = TaskSet([65, 127, 0, 64, 5, 63])
        #expect(Array(s) == members)
        #expect((0..<s.count).map { s.nth($0) } == members)
        #expect(s.first == 0)
        #expect(s.description == "{0,5,63,64,65,127}")
        let highOnly = TaskSet([100, 70])
        #expect(highOnly.low == 0)
        #expect(highOnly.first == 70 && highOnly.nth(1) == 100 && Array(highOnly) == [70, 100])
        let lowOnly = TaskSet([63, 1])
        #expect(lowOnly.high == 0 && lowOnly.nth(1) == 63 && Array(lowOnly) == [1, 63])
        let edge = TaskSet([63, 64])
        #expect(edge.nth(0) == 63 && edge.nth(1) == 64)
    }

    @Test("remove on both sides of 64; removing an absent or out-of-range number changes nothing")
    func remove() {
        var s = TaskSet([0, 5, 63, 64, 65, 127])
        s.remove(63)
        s.remove(64)
        #expect(Array(s) == [0, 5, 65, 127] && s.count == 4)
        #expect(!s.contains(63) && !s.contains(64))
        let before = s
        s.remove(64)
        s.remove(-1)
        s.remove(128)
        s.remove(500)
        #expect(s == before)
        for t in [0, 5, 65, 127] { s.remove(t) }
        #expect(s.isEmpty && s == TaskSet())
    }

    @Test("& is the intersection and - the difference, word by word")
    func setAlgebra() {
        let a = TaskSet([1, 63, 64, 100])
        let b = TaskSet([2, 63, 64, 101])
        #expect(Array(a & b) == [63, 64])
        #expect(Array(a - b) == [1, 100])
        #expect(Array(b - a) == [2, 101])
        #expect((a - a).isEmpty && (a & TaskSet()).isEmpty)
        #expect(a - TaskSet() == a && (a & a) == a)
        #expect(TaskSet([64, 1]) == TaskSet([1, 64]), "equality by members, not by insertion order")
    }

    @Test("enabledTasks covers tasks beyond 63 and stops at the capacity: of 130 runnable tasks the first 128 are enabled; a finished task drops out on either side of 64")
    func enabledTasksAcrossBoundary() throws {
        let tasks = (0..<130).map { _ in TaskSpec(program: try! Programs.idle(), holdsReference: false) }
        var f = try Fixture(pages: [PageSpec()], tasks: tasks)
        var enabled = f.engine.enabledTasks(f.world)
        #expect(enabled.count == TaskSet.capacity)
        #expect(Array(enabled) == Array(0..<128))
        #expect(!enabled.contains(128) && !enabled.contains(129))
        for t in [63, 64, 127] { try f.step(t) }
        enabled = f.engine.enabledTasks(f.world)
        #expect(enabled.count == 125)
        #expect(!enabled.contains(63) && !enabled.contains(64) && !enabled.contains(127))
        #expect(enabled.contains(62) && enabled.contains(65) && enabled.contains(126))
    }

    /// Always picks the highest-numbered enabled task.
    struct Highest: Scheduler {
        mutating func pick(runnable: TaskSet, world: World, step: Int) -> Int? { runnable.nth(runnable.count - 1) }
    }

    @Test("a run hands the scheduler every task, past 64: picking the highest enabled task runs 69 down to 0, and the schedule prints tasks ≥ 36 as {n}")
    func runPastSixtyFour() throws {
        let tasks = (0..<70).map { _ in TaskSpec(program: try! Programs.idle(), holdsReference: false) }
        let f = try Fixture(pages: [PageSpec()], tasks: tasks)
        var s = Highest()
        var checkers: [any Checker] = []
        let r = f.engine.run(f.world, scheduler: &s, checkers: &checkers)
        #expect(r.end == .finished)
        #expect(r.schedule.steps == (0..<70).reversed().map { UInt8($0) })
        #expect(r.schedule.description.hasPrefix("pw1:{69}{68}"))
        #expect(f.engine.replay(f.world, schedule: try Schedule(parsing: r.schedule.description)).world == r.world)
    }
}
