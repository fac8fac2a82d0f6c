// Frame (Core/Task/Frame.swift): the multi-step primitive a task is inside,
// one case per kind with its locals, and the byte its case lives in.

import Testing
import PagewaitCore

@Suite("Frame")
struct FrameTests {
    @Test("the case has a byte of its own after the largest kind's locals, so writing a local is one store (no bit is spare in every kind's locals)")
    func caseHasItsOwnByte() {
        let largest = max(MemoryLayout<WaitFrame>.size, MemoryLayout<WakeFrame>.size)
        #expect(MemoryLayout<Frame>.size == largest + 1,
                "Frame is \(MemoryLayout<Frame>.size) bytes for locals of \(largest): a bit spare in every kind's locals holds the case")
    }

    @Test("each case's kind and kernel function; outside a frame the locals read as fresh ones")
    func kinds() {
        #expect(Frame.none.kind == .none && FrameKind.none.function == nil)
        #expect(Frame.wait(WaitFrame()).kind == .wait && FrameKind.wait.function == "wait_on_page_bit_common")
        #expect(Frame.wake(WakeFrame()).kind == .wake && FrameKind.wake.function == "wake_up_page_bit")
        var t = TaskState(program: 0)
        #expect(t.wait == WaitFrame() && t.wake == WakeFrame())
        var f = WaitFrame()
        f.phase = 3
        t.frame = .wait(f)
        t.wait.requeues += 1
        #expect(t.wait.phase == 3 && t.wait.requeues == 1 && t.wake == WakeFrame())
        t.frame = .none
        #expect(t.wait == WaitFrame(), "a frame left behind leaves no locals behind")
    }
}
