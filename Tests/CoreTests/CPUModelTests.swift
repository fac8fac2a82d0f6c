// CPUModel (Core/CPU): which enabled tasks are on a CPU. Today's model
// gives every task a CPU, so runnable is enabled, step for step.

import Testing
import PagewaitCore

@Suite("CPU model")
struct CPUModelTests {
    @Test("a CPU per task: the runnable tasks are the enabled ones at every step, whether blocked, spinning or finished, and step refuses the same tasks")
    func cpuPerTaskRunsEveryEnabledTask() throws {
        let holder = try Programs.ops("holder", [.spinLock(.ptl(0)), .pause, .spinUnlock(.ptl(0))])
        let taker = try Programs.ops("taker", [.spinLock(.ptl(0)), .spinUnlock(.ptl(0))])
        let locker = try Programs.build("locker") { b in
            b.lockPage(rPage)
            b.unlockPage(rPage)
        }
        var f = try Fixture(pages: [.locked(by: 3)], tasks: [TaskSpec(program: holder), TaskSpec(program: taker),
                                                                 TaskSpec(program: locker), TaskSpec(program: try Programs.idle())])
        #expect(f.engine.config.cpus == .cpuPerTask)
        for order in [0, 1, 2, 2, 2, 2, 2, 0, 0, 1, 1, 3, 0] {
            let enabled = f.engine.enabledTasks(f.world)
            #expect(f.engine.runnableTasks(f.world) == enabled)
            for t in f.world.tasks.indices { #expect(f.engine.isRunnable(f.world, t) == enabled.contains(t)) }
            guard enabled.contains(order) else {
                #expect(violation { _ = try f.step(order) }?.kind == .notRunnable)
                continue
            }
            _ = try f.step(order)
        }
    }
}
