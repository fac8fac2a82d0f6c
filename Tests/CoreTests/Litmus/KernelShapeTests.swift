// The zoo's weak-memory rows as litmus programs with the hang oracle:
// Z5 (store buffering between unlock and queueing), Z2 (the careful
// unlink), Z4 (the flags' release/acquire), per memory model.

import Testing
@testable import PagewaitCore

@Suite("Weak-memory kernel shapes")
struct KernelShapeTests {
    func run(_ p: LitmusProgram, _ m: MemoryModel) throws -> LitmusResult { try WeakExplorer(p, model: m).run() }

    @Test("Z5: PG_waiters in a word of its own without unlock_page's barrier loses the wakeup under tso and arm, not under sc")
    func z5Separate() throws {
        let p = KernelShapes.unlockSeparateWords(barrier: false)
        #expect(!(try run(p, .sc)).allows(\.hangs))
        for m in [MemoryModel.tso, .arm] {
            let r = try run(p, m)
            #expect(r.allows { $0.hangs && $0.sleepers == [1] && $0.memory[0] == 0 }, "\(m): the waiter sleeps on a clear PG_locked")
        }
    }

    @Test("Z5: with the barrier, or with PG_waiters in PG_locked's word, no model loses the wakeup")
    func z5Fixed() throws {
        for p in [KernelShapes.unlockSeparateWords(barrier: true), KernelShapes.unlockSharedWord()] {
            for m in MemoryModel.allCases {
                let r = try run(p, m)
                #expect(!r.allows(\.hangs), "\(p.name) under \(m)")
                #expect(r.allows { $0.registers[1][0] & 1 != 0 }, "\(p.name) under \(m): the waiter can still see the page locked and sleep")
            }
        }
    }

    @Test("Z2: 2a9127fcf229 as first posted (smp_mb, plain unlink, plain empty check) leaks the page lock and hangs the next locker under arm only")
    func z2FirstPosting() throws {
        let p = KernelShapes.handoff(writerBarrier: true, carefulPair: false, flagsPair: false)
        for m in [MemoryModel.sc, .tso] { #expect(!(try run(p, m)).allows(\.hangs), "\(m)") }
        let arm = try run(p, .arm)
        let leak = arm.witness { $0.sleepers == [2] && $0.memory[KernelShapes.pgLocked] == 1 && $0.registers[1][2] == 0 }
        #expect(leak != nil, "P1 returns -EINTR with PG_locked handed to it; P2 sleeps forever")
        #expect(leak?.lines.contains { $0.contains("READ_ONCE(*wait->flags) = 0 (stale") } == true, "the trace names the stale message")
    }

    @Test("Z2: with c6fe44d96fc1's list_del_init_careful / list_empty_careful pair, clean under every model")
    func z2Careful() throws {
        let p = KernelShapes.handoff(writerBarrier: true, carefulPair: true, flagsPair: false)
        for m in MemoryModel.allCases {
            let r = try run(p, m)
            #expect(!r.allows(\.hangs), "\(m)")
            #expect(!r.allows(KernelShapes.staleData), "\(m)")
            #expect(r.allows { $0.registers[1][2] == KernelShapes.woken }, "\(m): the handoff still happens")
        }
    }

    @Test("Z4: without the flags' release/acquire and without the careful pair, the new owner reads stale data under arm; either pair alone keeps it fresh")
    func z4() throws {
        let bare = KernelShapes.handoff(writerBarrier: false, carefulPair: false, flagsPair: false)
        for m in [MemoryModel.sc, .tso] { #expect(!(try run(bare, m)).allows(KernelShapes.staleData), "\(m)") }
        #expect(try run(bare, .arm).allows(KernelShapes.staleData))
        let careful = KernelShapes.handoff(writerBarrier: false, carefulPair: true, flagsPair: false)
        let flags = KernelShapes.handoff(writerBarrier: false, carefulPair: false, flagsPair: true)
        for m in MemoryModel.allCases {
            for p in [careful, flags] { #expect(!(try run(p, m)).allows(KernelShapes.staleData), "\(p.name) under \(m)") }
            #expect(!(try run(careful, m)).allows(\.hangs), "\(m)")
        }
        // The flags pair orders what follows a WOKEN it sees, but the plain
        // empty check can still be followed by a stale flags load that
        // misses WOKEN: Z2's leak, which only the careful pair closes.
        #expect(try run(flags, .arm).allows { $0.sleepers == [2] && $0.registers[1][2] == 0 })
        for m in [MemoryModel.sc, .tso] { #expect(!(try run(flags, m)).allows(\.hangs), "\(m)") }
    }

    @Test("a tso counterexample names the store still in the other CPU's buffer")
    func tsoTraceNamesBufferedStore() throws {
        let w = try run(KernelShapes.unlockSeparateWords(barrier: false), .tso).witness(\.hangs)
        #expect(w?.lines.contains { $0.contains("P0's store PG_locked = 0 is still in its store buffer") } == true)
    }
}

@Suite("Weak-memory state merging")
struct WeakStateMergingTests {
    @Test("the visited set loses no outcome: every loop-free litmus row and Z5 shape has the same outcomes when every path is enumerated")
    func mergingIsSound() throws {
        let programs = Litmus.all.map(\.program) + [KernelShapes.unlockSeparateWords(barrier: false),
                                                    KernelShapes.unlockSeparateWords(barrier: true), KernelShapes.unlockSharedWord()]
        for p in programs {
            for m in MemoryModel.allCases {
                let e = WeakExplorer(p, model: m)
                #expect(Set(try e.run().outcomes.keys) == (try e.outcomesWithoutMerging()), "\(p.name) under \(m)")
            }
        }
    }
}

@Suite("Weak-memory quiescence")
struct WeakQuiescenceTests {
    @Test("a spin on a lock nobody releases is found as states that cannot quiesce; the zoo's shapes have none")
    func spinForever() throws {
        // P0 takes the lock and never releases it; P1 spins on it.
        let take = LitmusInstruction.rmw(location: 0, operation: .compareExchange(expected: 0, new: 1), register: 0, order: .acquire)
        let p = LitmusProgram(name: "spin", locations: ["lock"], threads: [[take], [take, .branch(register: 0, mask: 1, value: 1, target: 0)]])
        for m in MemoryModel.allCases {
            let r = try WeakExplorer(p, model: m).run()
            #expect(r.cannotQuiesce > 0, "\(m)")
            #expect(r.spinning != nil, "\(m)")
        }
        for s in WeakShape.catalog {
            for m in MemoryModel.allCases {
                #expect(try WeakExplorer(s.program, model: m).run().cannotQuiesce == 0, "\(s.name) under \(m)")
            }
        }
    }
}
