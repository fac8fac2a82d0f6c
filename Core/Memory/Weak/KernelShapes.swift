/// The zoo's weak-memory rows (known-bugs Z2, Z4, Z5) as litmus programs
/// over the words the idioms touch, with the hang oracle: a thread asleep
/// at quiescence is a LOST_WAKEUP, a lock nobody releases shows as a later
/// locker asleep (HANG). Each builder's parameters are the ablations.
/// docs/memory-model.md cites the kernel code each access stands for.
enum KernelShapes {
    // MARK: Z5, unlock_page against a waiter setting PG_waiters.

    /// PG_locked and PG_waiters in words of their own: the unlocker clears
    /// PG_locked with a release store (`__clear_bit_unlock`, enough once no
    /// other bit shares its word), optionally runs unlock_page's "second
    /// mb", and reads PG_waiters; the waiter sets PG_waiters (`set_bit`),
    /// runs set_current_state's barrier, tests PG_locked and sleeps if set.
    static func unlockSeparateWords(barrier: Bool) -> LitmusProgram {
        let locked = 0, waiters = 1
        var unlocker: [LitmusInstruction] = [.store(location: locked, value: 0, order: .release)]
        if barrier { unlocker.append(.fence(.mb)) }
        unlocker += [.load(location: waiters, register: 0, order: .relaxed)]
        unlocker += [.branch(register: 0, mask: 1, value: 0, target: unlocker.count + 2), .wake(thread: 1)]
        let waiter: [LitmusInstruction] = [
            .rmw(location: waiters, operation: .or(1), register: 1, order: .relaxed),
            .fence(.mb),
            .load(location: locked, register: 0, order: .relaxed),
            .branch(register: 0, mask: 1, value: 0, target: 5),
            .sleep,
        ]
        return LitmusProgram(name: "Z5-separate-words" + (barrier ? "+mb" : ""), locations: ["PG_locked", "PG_waiters"],
                             initial: [1, 0], threads: [unlocker, waiter])
    }

    /// Today's unlock: PG_waiters in PG_locked's word, one release RMW that
    /// clears PG_locked and returns the word (clear_bit_unlock_is_negative_byte,
    /// now folio_xor_flags_has_waiters).
    static func unlockSharedWord() -> LitmusProgram {
        let lockedBit = 1, waitersBit = 2
        let unlocker: [LitmusInstruction] = [
            .rmw(location: 0, operation: .andNot(lockedBit), register: 0, order: .release),
            .branch(register: 0, mask: waitersBit, value: 0, target: 3),
            .wake(thread: 1),
        ]
        let waiter: [LitmusInstruction] = [
            .rmw(location: 0, operation: .or(waitersBit), register: 1, order: .relaxed),
            .fence(.mb),
            .load(location: 0, register: 0, order: .relaxed),
            .branch(register: 0, mask: lockedBit, value: 0, target: 5),
            .sleep,
        ]
        return LitmusProgram(name: "Z5-shared-word", locations: ["page->flags"], initial: [lockedBit], threads: [unlocker, waiter])
    }

    // MARK: Z2 and Z4, the WOKEN handoff and finish_wait's lockless check.

    /// Locations of `handoff`.
    static let pgLocked = 0, waitFlags = 1, waitEntry = 2, queueLock = 3, data = 4
    /// WQ_FLAG_WOKEN in `wait->flags`.
    static let woken = 1

    /// Holder P0 writes `data` in its critical section, then its wake walk
    /// (under q->lock) finds P1's exclusive entry, hands PG_locked to it
    /// (sets WOKEN; PG_locked stays set, now P1's) and unlinks the entry;
    /// with no entry left it unlocks and wakes P2. P1, interrupted, runs
    /// finish_wait: a lockless `list_empty_careful`, the locked unlink if
    /// still linked, then the WOKEN test: if set it owns the page (reads
    /// `data`, unlocks, wakes P2), else returns -EINTR. P2 is a later
    /// lock_page: it sleeps while PG_locked is held, so a lock P1 leaked
    /// leaves P2 asleep (HANG).
    ///
    /// - writerBarrier: the smp_mb between WOKEN and the unlink of
    ///   2a9127fcf229 as first posted.
    /// - carefulPair: c6fe44d96fc1's list_del_init_careful (release) and
    ///   list_empty_careful (acquire) instead of plain accesses.
    /// - flagsPair: 5ef64cc8987a's release store of the flags and acquire
    ///   load in the waiter.
    static func handoff(writerBarrier: Bool, carefulPair: Bool, flagsPair: Bool) -> LitmusProgram {
        var holder: [LitmusInstruction] = [
            .store(location: data, value: 1, order: .relaxed),
            .rmw(location: queueLock, operation: .compareExchange(expected: 0, new: 1), register: 1, order: .acquire),
            .branch(register: 1, mask: 1, value: 1, target: 1),
            .load(location: waitEntry, register: 0, order: .relaxed),
        ]
        let noWaiter = holder.count + (writerBarrier ? 6 : 5)
        holder += [
            .branch(register: 0, mask: 1, value: 0, target: noWaiter),
            .store(location: waitFlags, value: woken, order: flagsPair ? .release : .relaxed),
        ]
        if writerBarrier { holder.append(.fence(.mb)) }
        holder += [
            .store(location: waitEntry, value: 0, order: carefulPair ? .release : .relaxed),
            .wake(thread: 1),
            .jump(target: noWaiter + 2),
            // noWaiter: unlock_page with nobody queued but P2.
            .rmw(location: pgLocked, operation: .andNot(1), register: 2, order: .release),
            .wake(thread: 2),
            .store(location: queueLock, value: 0, order: .release),
        ]
        let waiter: [LitmusInstruction] = [
            .load(location: waitEntry, register: 0, order: carefulPair ? .acquire : .relaxed),
            .branch(register: 0, mask: 1, value: 0, target: 6),
            .rmw(location: queueLock, operation: .compareExchange(expected: 0, new: 1), register: 1, order: .acquire),
            .branch(register: 1, mask: 1, value: 1, target: 2),
            .store(location: waitEntry, value: 0, order: .relaxed),
            .store(location: queueLock, value: 0, order: .release),
            // 6: the WOKEN test.
            .load(location: waitFlags, register: 2, order: flagsPair ? .acquire : .relaxed),
            .branch(register: 2, mask: woken, value: 0, target: 11),
            .load(location: data, register: 3, order: .relaxed),
            .rmw(location: pgLocked, operation: .andNot(1), register: 1, order: .release),
            .wake(thread: 2),
        ]
        let locker: [LitmusInstruction] = [
            .rmw(location: pgLocked, operation: .compareExchange(expected: 0, new: 1), register: 0, order: .acquire),
            .branch(register: 0, mask: 1, value: 0, target: 4),
            .sleep,
            .jump(target: 0),
            .rmw(location: pgLocked, operation: .andNot(1), register: 1, order: .release),
        ]
        var name = "handoff"
        if writerBarrier { name += "+mb" }
        if carefulPair { name += "+careful" }
        if flagsPair { name += "+flags-release-acquire" }
        return LitmusProgram(name: name, locations: ["PG_locked", "wait->flags", "wait->entry", "q->lock", "data"],
                             initial: [1, 0, 1, 0, 0], threads: [holder, waiter, locker])
    }

    /// P1 owned the page (saw WOKEN) and read `data` older than the
    /// holder's write: Z4's stale data.
    static func staleData(_ o: LitmusOutcome) -> Bool { o.registers[1][2] & woken != 0 && o.registers[1][3] == 0 }
}

/// A named shape for `pagewait litmus`: its program and what makes an
/// outcome a counterexample (a sleeper at quiescence, stale data, or an
/// outcome a litmus file forbids).
package struct WeakShape: Sendable {
    package let name: String
    package let summary: String
    let program: LitmusProgram
    /// The counterexample an outcome is, in words, or nil.
    let verdict: @Sendable (LitmusOutcome) -> String?

    static func hang(_ o: LitmusOutcome) -> String? {
        o.hangs ? "HANG: " + o.sleepers.map { "P\($0)" }.joined(separator: ",") + " asleep with no wake to come" : nil
    }
    static func staleOrHang(_ o: LitmusOutcome) -> String? {
        hang(o) ?? (KernelShapes.staleData(o) ? "STALE DATA: P1 owns the page and read data = 0" : nil)
    }

    package static let catalog: [WeakShape] = [
        WeakShape(name: "z5-separate", summary: "Z5 ablation: PG_waiters in a word of its own, unlock_page's second mb removed",
                  program: KernelShapes.unlockSeparateWords(barrier: false), verdict: hang),
        WeakShape(name: "z5-separate-mb", summary: "Z5 with the barrier: PG_waiters in a word of its own, smp_mb after the clear",
                  program: KernelShapes.unlockSeparateWords(barrier: true), verdict: hang),
        WeakShape(name: "z5-shared", summary: "Z5 as today: one release RMW clears PG_locked and returns PG_waiters",
                  program: KernelShapes.unlockSharedWord(), verdict: hang),
        WeakShape(name: "z2-first-posting", summary: "Z2: 2a9127fcf229 as first posted: smp_mb, plain list_del_init, plain list_empty_careful",
                  program: KernelShapes.handoff(writerBarrier: true, carefulPair: false, flagsPair: false), verdict: hang),
        WeakShape(name: "z2-careful", summary: "Z2 fixed: c6fe44d96fc1's list_del_init_careful / list_empty_careful",
                  program: KernelShapes.handoff(writerBarrier: true, carefulPair: true, flagsPair: false), verdict: hang),
        WeakShape(name: "z4-bare", summary: "Z4 ablation: neither the flags' release/acquire nor the careful pair",
                  program: KernelShapes.handoff(writerBarrier: false, carefulPair: false, flagsPair: false), verdict: staleOrHang),
        WeakShape(name: "z4-flags", summary: "Z4 with 5ef64cc8987a's flags release/acquire only",
                  program: KernelShapes.handoff(writerBarrier: false, carefulPair: false, flagsPair: true), verdict: staleOrHang),
        WeakShape(name: "z4-careful", summary: "Z4 with c6fe44d96fc1's careful pair only",
                  program: KernelShapes.handoff(writerBarrier: false, carefulPair: true, flagsPair: false), verdict: staleOrHang),
    ]

    /// The shape a litmus file describes (LitmusFile.swift).
    package static func file(_ text: String, path: String) throws -> WeakShape {
        let f = try LitmusFile(parsing: text, file: path)
        return WeakShape(name: f.program.name, summary: path, program: f.program,
                         verdict: { o in hang(o) ?? (f.isForbidden(o) ? "FORBIDDEN by the file" : nil) })
    }

    /// The names of the program's locations, and how many threads it has,
    /// for a trace.
    package var locations: [String] { program.locations }
    package var threads: Int { program.threads.count }

    /// The report `pagewait litmus` prints, the herd7 test of the
    /// counterexample and the counterexample itself (nil when there is none).
    package func report(_ model: MemoryModel) throws -> (text: String, litmus: String?, witness: LitmusWitness?) {
        let result = try WeakExplorer(program, model: model).run()
        var lines = ["\(name) under \(model): \(result.states) states, \(result.outcomes.count) outcomes"]
        let sorted = result.outcomes.keys.sorted { $0.description < $1.description }
        for o in sorted {
            let regs = o.registers.enumerated().map { t, r in "P\(t):" + r.enumerated().map { "r\($0)=\($1)" }.joined(separator: ",") }
            let memory = program.locations.enumerated().map { "\($1)=\(o.memory[$0])" }
            lines.append("  " + (regs + memory).joined(separator: " ") + (verdict(o).map { "  " + $0 } ?? ""))
        }
        if let spin = result.spinning {
            lines.append("LIVELOCK under \(model): \(result.cannotQuiesce) states never reach quiescence")
            lines.append("counterexample under \(model):")
            lines += spin.lines.map { "  " + $0 }
            return (lines.joined(separator: "\n") + "\n", Herd.litmus(program, accesses: spin.accesses, model: model), spin)
        }
        guard let witness = result.witness({ verdict($0) != nil }) else {
            lines.append("no counterexample under \(model)")
            return (lines.joined(separator: "\n") + "\n", nil, nil)
        }
        lines.append("counterexample under \(model):")
        lines += witness.lines.map { "  " + $0 }
        return (lines.joined(separator: "\n") + "\n", Herd.litmus(program, accesses: witness.accesses, model: model), witness)
    }
}
