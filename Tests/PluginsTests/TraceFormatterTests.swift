import Testing
import PagewaitCore
import PagewaitPlugins

/// The trace formatter renders what the one run loop replays: its lines are
/// the lines of exactly the steps taken, the same every time, and a step
/// the engine refuses ends them as stepping by hand would.
@Suite("trace formatter")
struct TraceFormatterTests {
    static func setup(_ scenario: String, _ strategy: String) throws -> Setup {
        try registry.scenario(scenario).build(strategy: try registry.resolveStrategy(strategy), parameters: [:])
    }

    /// The trace of `schedule` stepped by hand: one line per step until the
    /// engine refuses one, which ends it with a `VIOLATION` line.
    static func handLines(_ f: TraceFormatter, _ initial: World, _ schedule: Schedule) -> [String] {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
        var w = initial
        var out: [String] = []
        for (i, t) in schedule.steps.enumerated() {
            let before = w
            do {
                let e = try f.engine.step(&w, task: Int(t))
                out.append(f.line(i, e, before: before, after: w))
            } catch {
                out.append("\(lpad(String(i), 5))  \(pad(f.name(of: Int(t)), 10))  VIOLATION \(error)")
                break
            }
        }
        return out
    }

    @Test("a replay's lines are the same twice, one per step, each the line of exactly that step (one strategy per wait core)",
          arguments: ["legacy", "rewrite-fair", "unfair-5"])
    func linesAreTheSteps(strategy: String) throws {
        let setup = try Self.setup("fairness", strategy)
        let schedule = try #require(setup.run(seed: 7, maxSteps: 200_000, keepSchedule: true).schedule)
        let f = TraceFormatter(engine: setup.engine, taskNames: setup.taskNames, counterNames: setup.counterNames)
        let lines = f.lines(initial: setup.world, schedule: schedule)
        #expect(lines == f.lines(initial: setup.world, schedule: schedule))
        #expect(lines.count == schedule.steps.count)
        var w = setup.world
        for (i, t) in schedule.steps.enumerated() {
            let before = w
            let e = try setup.engine.step(&w, task: Int(t))
            #expect(f.line(i, e, before: before) == lines[i])
        }
        #expect(lines == Self.handLines(f, setup.world, schedule))
    }

    @Test("a step the engine refuses ends the lines as stepping by hand does: a task that cannot run, one that does not exist, steps after the end, a violation a step throws")
    func refusedSteps() throws {
        let setup = try Self.setup("migrate-vs-faulters", "legacy")
        let schedule = try #require(setup.run(seed: 2, maxSteps: 200_000, keepSchedule: true).schedule)
        let f = TraceFormatter(engine: setup.engine, taskNames: setup.taskNames, counterNames: setup.counterNames)
        var cases = [Schedule(schedule.steps + [1, 0]), Schedule(Array(schedule.steps.prefix(5)) + [9] + schedule.steps.dropFirst(5))]
        // A task stepped again right after it finished.
        var w = setup.world
        for (i, t) in schedule.steps.enumerated() {
            _ = try setup.engine.step(&w, task: Int(t))
            if w.tasks[Int(t)].finished {
                var steps = schedule.steps
                steps.insert(t, at: i + 1)
                cases.append(Schedule(steps))
                break
            }
        }
        // A step that throws: an ablation that touches a page it has no right to.
        let ablation = try Self.setup("migrate-vs-faulters", "drop-early-put")
        let thrown: Set<ViolationKind> = [.unsafeAccess, .wrongUsage, .fatalUAF, .bug, .badPage]
        let failing = try #require((1...200 as ClosedRange<UInt64>).lazy.map { ablation.run(seed: $0, maxSteps: 200_000) }
            .first { $0.violation.map { thrown.contains($0.kind) } ?? false })
        let g = TraceFormatter(engine: ablation.engine, taskNames: ablation.taskNames, counterNames: ablation.counterNames)
        let violating = try #require(failing.schedule)
        let lines = g.lines(initial: ablation.world, schedule: violating)
        #expect(lines == Self.handLines(g, ablation.world, violating))
        #expect(lines.last?.contains("VIOLATION \(failing.violation!.kind)") == true)
        for c in cases {
            let lines = f.lines(initial: setup.world, schedule: c)
            #expect(lines == Self.handLines(f, setup.world, c))
            #expect(lines.last?.contains("VIOLATION NOT_RUNNABLE") == true)
        }
    }
}
