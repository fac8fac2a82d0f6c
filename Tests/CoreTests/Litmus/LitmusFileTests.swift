// Litmus files (Core/Memory/Weak/LitmusFile.swift): a file describes the
// same program as the Swift-built rows, and every mistake is refused with
// the file, line and what is wrong.

import Foundation
import Testing
@testable import PagewaitCore

@Suite("Litmus files")
struct LitmusFileTests {
    static let sb = """
        litmus SB+mb   # store buffering
        locations x y
        P0:
          store x 1
          smp_mb
          load r0 y
        P1:
          store y 1
          smp_mb
          load r0 x
        forbid P0:r0=0 P1:r0=0
        """

    @Test("a file parses to the program the table builds, and its forbid clause is what the models allow or not")
    func parsesLikeTheTable() throws {
        let f = try LitmusFile(parsing: Self.sb, file: "sb.litmus")
        #expect(f.program.threads == Litmus.storeBuffering[1].program.threads)
        let plain = try LitmusFile(parsing: Self.sb.replacingOccurrences(of: "  smp_mb\n", with: ""), file: "sb.litmus")
        #expect(plain.program.threads == Litmus.storeBuffering[0].program.threads)
        for m in MemoryModel.allCases {
            #expect(!(try WeakExplorer(f.program, model: m).run()).allows(f.isForbidden), "\(m)")
            #expect(try WeakExplorer(plain.program, model: m).run().allows(plain.isForbidden) == (m != .sc), "\(m)")
        }
    }

    @Test("the writer's text parses back to the same straight-line program and forbid clause (what replay --litmus writes)")
    func writerRoundTrips() throws {
        let p = LitmusProgram(name: "rt", locations: ["PG_locked", "PG_waiters"], initial: [1, 0], threads: [
            [.store(location: 0, value: 0, order: .release), .load(location: 1, register: 0, order: .relaxed)],
            [.rmw(location: 0, operation: .compareExchange(expected: 0, new: 1), register: 0, order: .acquire),
             .rmw(location: 1, operation: .or(1), register: 1, order: .relaxed), .fence(.mb),
             .load(location: 0, register: 2, order: .acquire), .rmw(location: 1, operation: .andNot(1), register: 3, order: .release)],
        ])
        let text = LitmusFile.text(p, forbid: "P0:r0=0 P1:r2=1")
        let f = try LitmusFile(parsing: text, file: "rt.litmus")
        #expect(f.program == p)
        #expect(f.forbidden.count == 1 && f.forbidden[0].map(\.value) == [0, 1] && f.forbidden[0].map(\.thread) == [0, 1])
    }

    @Test("labels, branches, sleep, wake, RMWs and init parse to the Z5 shape's program")
    func parsesTheZ5Shape() throws {
        let text = """
            litmus Z5-separate-words
            locations PG_locked PG_waiters
            init PG_locked=1
            P0:
              store PG_locked 0 release
              load r0 PG_waiters
              if r0 & 1 == 0 goto out
              wake P1
            out:
            P1:
              rmw r1 PG_waiters or 1 relaxed
              smp_mb
              load r0 PG_locked
              if r0 & 1 == 0 goto done
              sleep
            done:
            """
        let f = try LitmusFile(parsing: text, file: "z5.litmus")
        #expect(f.program == KernelShapes.unlockSeparateWords(barrier: false))
    }

    @Test("each mistake is refused with file, line and what", arguments: [
        ("locations x\nP0:\n  store z 1", "f:3: 'z' is not a declared location (x)"),
        ("locations x\nP0:\n  load r9 x", "f:3: 'r9' is not a register r0...r3"),
        ("locations x\nP0:\n  store x 99999999999", "f:3: '99999999999' is not a value in -1000000...1000000"),
        ("locations x\nP0:\n  store x 1 acquire", "f:3: unexpected 'acquire': the order is one of mb, relaxed, release"),
        ("locations x\nP0:\n  goto nowhere", "f:3: no label 'nowhere' in this thread"),
        ("locations x\nP1:\n", "f:2: expected P0:, the threads in order"),
        ("P0:\n", "f:1: declare the locations before the threads"),
        ("locations x\nP0:\n  wake P3", "f:3: expected 'wake Pn' with a thread of this test (P0...P0)"),
        ("locations x\nP0:\n  rmw r0 x frobnicate 1", "f:3: unknown RMW 'frobnicate': xchg, add, or, andnot, cmpxchg, add_unless"),
        ("locations x\nP0:\n  store x 1\nforbid P5:r0=1", "f:4: 'P5:r0' is neither a location nor Pn:rN with a thread of this test"),
        ("locations x\n", "f:2: no threads: start one with P0:"),
        ("locations a b c d e f g h i\n", "f:1: 1...8 locations, not 9"),
    ])
    func refused(_ text: String, _ message: String) {
        #expect(throws: LitmusFileError.self) { try LitmusFile(parsing: text, file: "f") }
        do { _ = try LitmusFile(parsing: text, file: "f") } catch { #expect(error.description == message) }
    }

    @Test("a thread longer than 64 statements is refused")
    func tooLong() {
        let text = "locations x\nP0:\n" + String(repeating: "  store x 1\n", count: 65)
        do { _ = try LitmusFile(parsing: text, file: "f"); Issue.record("accepted") } catch {
            #expect(error.description == "f:67: P0 has 65 statements; at most 64")
        }
    }
}
