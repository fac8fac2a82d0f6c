// The decoded instruction stream (Core/Engine/DecodedProgram.swift): what
// the hot path reads instead of each instruction's `Op`.

import Testing
@testable import PagewaitCore

@Suite("Decoded program")
struct DecodedProgramTests {
    @Test("a decoded instruction is 16 bytes: the comparison rides in its kind's byte, the gate in two")
    func compact() {
        #expect(MemoryLayout<DecodedInstruction>.size <= 16, "\(MemoryLayout<DecodedInstruction>.size) bytes")
        #expect(MemoryLayout<DecodedInstruction>.stride == 16)
    }

    @Test("every operation decodes to its kind, operands and gate: control operations to their own kinds, the rest to .op with the gate Op.gate gives")
    func decodesEveryControlOperation() {
        let cases: [(Op, DecodedInstruction.Kind, Register, Int32, Int64)] = [
            (.jump(5), .jump, 0, 5, 0),
            (.branch(3, .less, -7, to: 9), .branch(.less), 3, 9, -7),
            (.branch(2, .greaterOrEqual, 1 << 40, to: 0), .branch(.greaterOrEqual), 2, 0, 1 << 40),
            (.set(6, Int64.min), .set, 6, 0, Int64.min),
            (.move(1, from: 7), .move, 1, 7, 0),
            (.add(4, -1), .add, 4, 0, -1),
            (.count(11), .count, 0, 11, 0),
            (.readCounter(12, into: 5), .readCounter, 5, 12, 0),
            (.loadPage(2, pfn: 3), .loadPage, 2, 3, 0),
            (.exit, .exit, 0, 0, 0),
            (.pause, .pause, 0, 0, 0),
            (.preemptionPoint(permille: 900), .preemptionPoint, 0, 900, 0),
        ]
        for (op, kind, register, target, value) in cases {
            let d = DecodedInstruction(op)
            #expect(d.kind == kind && d.register == register && d.target == target && d.value == value, "\(op)")
            #expect(d.isLocal == op.isLocal, "\(op)")
            #expect(d.gate == .free, "\(op)")
        }
        for op: Op in [.getPage(0), .trylockPage(1, result: 2), .spinLock(.ptl(3)), .wakeUpPageBit(0, .locked)] {
            let d = DecodedInstruction(op)
            #expect(d.kind == .op && !d.isLocal && d.gate == op.gate, "\(op)")
        }
    }
}
