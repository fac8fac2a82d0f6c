/// One access a step made, as the herd7 export and the trace need it.
struct LitmusAccess: Hashable, Sendable {
    enum Kind: Hashable, Sendable { case load, store, rmw, failedRMW, fence(Fence) }
    var thread: Int
    var kind: Kind
    var location: Int
    /// The value read (load, RMW) or written (store).
    var value: Int
    var order: MemoryOrder
    var register: Int
    /// For an RMW: what it did.
    var operation: RMWOperation?
}

/// One step the machine can take from a state: a thread's instruction, or
/// (`tso`) a buffered store reaching memory, which is a scheduling choice
/// of its own.
struct WeakStep: Sendable {
    var thread: Int
    /// The trace line: the kernel's words and, for a load that saw an old
    /// value, the store still buffered or the newer message it missed.
    var text: String
    var access: LitmusAccess?
    var state: WeakState
    /// What the step did to the memory system beyond its access, for a
    /// trace that draws it (`LitmusTrace`).
    var event: LitmusEvent? = nil
}

/// The reorderings a step shows: a store parked in a `tso` store buffer
/// and its later flush, or a load that returned an old value while a
/// newer one existed (a buffered store of another thread under `tso`, a
/// newer message under `arm`).
package enum LitmusEvent: Hashable, Sendable {
    case buffered(location: Int, value: Int)
    case flushed(location: Int, value: Int)
    case oldValue(location: Int)
}

/// The operational semantics of the three models over a `LitmusProgram`:
/// `successors` lists every step from a state, so exhaustive exploration
/// (`WeakExplorer`) enumerates every behaviour the model allows.
struct WeakMachine: Sendable {
    let program: LitmusProgram
    let model: MemoryModel

    func initial() -> WeakState {
        var s = WeakState(program, model: model)
        for t in s.threads.indices { runLocals(&s.threads[t], t) }
        return s
    }

    /// A thread stopped at a `sleep` with no wake to consume.
    func isAsleep(_ s: WeakState, _ t: Int) -> Bool {
        let th = s.threads[t]
        guard th.pc < program.threads[t].count, case .sleep = program.threads[t][th.pc] else { return false }
        return !th.woken
    }

    func isFinished(_ s: WeakState, _ t: Int) -> Bool { s.threads[t].pc >= program.threads[t].count }

    func successors(_ s: WeakState) -> [WeakStep] {
        var out: [WeakStep] = []
        for t in s.threads.indices {
            if model == .tso, let first = s.threads[t].buffer.first {
                var n = s
                n.threads[t].buffer.removeFirst()
                n.memory[first.location] = first.value
                out.append(WeakStep(thread: t, text: "P\(t): store buffer flushes \(name(first.location)) = \(first.value) to memory", access: nil, state: n,
                                    event: .flushed(location: first.location, value: first.value)))
            }
            let th = s.threads[t]
            guard th.pc < program.threads[t].count else { continue }
            instructionSteps(s, t, program.threads[t][th.pc], into: &out)
        }
        return out
    }

    private func name(_ l: Int) -> String { program.locations[l] }

    /// Branches and jumps touch only registers: run them right after the
    /// step before them.
    private func runLocals(_ th: inout WeakThread, _ t: Int) {
        let code = program.threads[t]
        var guardSteps = 0
        while th.pc < code.count, guardSteps < 64 {
            guardSteps += 1
            switch code[th.pc] {
            case .branch(let r, let m, let v, let target):
                th.pc = (th.registers[r] & m) == v ? target : th.pc + 1
            case .jump(let target):
                th.pc = target
            default:
                return
            }
        }
    }

    private func finish(_ s: inout WeakState, _ t: Int) {
        s.threads[t].pc += 1
        runLocals(&s.threads[t], t)
    }

    private func instructionSteps(_ s: WeakState, _ t: Int, _ i: LitmusInstruction, into out: inout [WeakStep]) {
        let th = s.threads[t]
        switch i {
        case .sleep:
            guard th.woken else { return }
            var n = s
            n.threads[t].woken = false
            finish(&n, t)
            out.append(WeakStep(thread: t, text: "P\(t): schedule() returns: woken", access: nil, state: n))
        case .wake(let target):
            var n = s
            guard fullBarrier(&n, t) else { return }
            n.threads[target].woken = true
            finish(&n, t)
            out.append(WeakStep(thread: t, text: "P\(t): wake_up_process(P\(target))", access: nil, state: n))
        case .fence(let f):
            var n = s
            switch f {
            case .mb: guard fullBarrier(&n, t) else { return }
            case .rmb: if model == .arm { n.threads[t].cur = join(n.threads[t].cur, n.threads[t].acquired) }
            case .wmb: if model == .arm { n.threads[t].released = join(n.threads[t].released, n.threads[t].written) }
            }
            finish(&n, t)
            out.append(WeakStep(thread: t, text: "P\(t): \(f)", access: LitmusAccess(thread: t, kind: .fence(f), location: 0, value: 0, order: .fullyOrdered, register: 0), state: n))
        case .store(let l, let v, let o):
            store(s, t, l, v, o, into: &out)
        case .load(let l, let r, let o):
            load(s, t, l, r, o, into: &out)
        case .rmw(let l, let op, let r, let o):
            rmw(s, t, l, op, r, o, into: &out)
        case .branch, .jump:
            break // run by runLocals
        }
    }

    /// smp_mb(): false when it cannot run yet (`tso`: the buffer must drain
    /// first, by flush steps).
    /// Under `arm`, thread `th`'s write of `l` at timestamp `ts`: its view of
    /// `l` moves there, and the view its message carries is returned — the
    /// whole view for a release (cumulative), else what its last barrier
    /// published plus the write itself.
    private func written(_ th: inout WeakThread, _ l: Int, at ts: Int, _ o: MemoryOrder) -> [Int] {
        th.cur[l] = ts
        th.written[l] = ts
        if o == .release || o == .fullyOrdered {
            th.releasePending = true
            return th.cur
        }
        var view = th.released
        view[l] = ts
        return view
    }

    private func fullBarrier(_ s: inout WeakState, _ t: Int) -> Bool {
        switch model {
        case .sc: return true
        case .tso: return s.threads[t].buffer.isEmpty
        case .arm:
            var th = s.threads[t]
            th.cur = join(join(th.cur, th.acquired), s.global)
            s.global = th.cur
            th.released = th.cur
            th.releasePending = false
            s.threads[t] = th
            return true
        }
    }

    private func store(_ s: WeakState, _ t: Int, _ l: Int, _ v: Int, _ o: MemoryOrder, into out: inout [WeakStep]) {
        var n = s
        let access = LitmusAccess(thread: t, kind: .store, location: l, value: v, order: o, register: 0)
        let text = "P\(t): \(Herd.storeText(name(l), v, o))"
        switch model {
        case .sc:
            n.memory[l] = v
        case .tso:
            if o == .fullyOrdered {
                guard n.threads[t].buffer.isEmpty else { return }
                n.memory[l] = v
            } else {
                n.threads[t].buffer.append(BufferedStore(location: l, value: v))
            }
        case .arm:
            if o == .fullyOrdered { _ = fullBarrier(&n, t) }
            var th = n.threads[t]
            let view = written(&th, l, at: n.messages[l].count, o)
            n.messages[l].append(Message(value: v, view: view, writer: t))
            n.threads[t] = th
            if o == .fullyOrdered { _ = fullBarrier(&n, t) }
        }
        finish(&n, t)
        let buffered = model == .tso && o != .fullyOrdered
        out.append(WeakStep(thread: t, text: text + (buffered ? " (into P\(t)'s store buffer)" : ""), access: access, state: n,
                            event: buffered ? .buffered(location: l, value: v) : nil))
    }

    private func load(_ s: WeakState, _ t: Int, _ l: Int, _ r: Int, _ o: MemoryOrder, into out: inout [WeakStep]) {
        let op = Herd.loadText(name(l), o)
        switch model {
        case .sc:
            var n = s
            let v = s.memory[l]
            n.threads[t].registers[r] = v
            finish(&n, t)
            out.append(WeakStep(thread: t, text: "P\(t): r\(r) = \(op) = \(v)", access: LitmusAccess(thread: t, kind: .load, location: l, value: v, order: o, register: r), state: n))
        case .tso:
            var n = s
            if o == .fullyOrdered && !s.threads[t].buffer.isEmpty { return }
            let own = s.threads[t].buffer.last { $0.location == l }
            let v = own?.value ?? s.memory[l]
            n.threads[t].registers[r] = v
            finish(&n, t)
            var text = "P\(t): r\(r) = \(op) = \(v)"
            var event: LitmusEvent?
            if own != nil { text += " (forwarded from its own store buffer)" }
            else {
                let pending = s.threads.indices.filter { u in u != t && s.threads[u].buffer.contains { $0.location == l } }
                if !pending.isEmpty {
                    event = .oldValue(location: l)
                    text += " (from memory: " + pending.map { u in
                        "P\(u)'s store \(name(l)) = \(s.threads[u].buffer.last { $0.location == l }!.value) is still in its store buffer"
                    }.joined(separator: "; ") + ")"
                }
            }
            out.append(WeakStep(thread: t, text: text, access: LitmusAccess(thread: t, kind: .load, location: l, value: v, order: o, register: r), state: n,
                                event: event))
        case .arm:
            var base = s
            if o == .fullyOrdered || (o == .acquire && base.threads[t].releasePending) { _ = fullBarrier(&base, t) }
            let msgs = base.messages[l]
            for ts in base.threads[t].cur[l]..<msgs.count {
                var n = base
                let m = msgs[ts]
                var th = n.threads[t]
                th.cur[l] = ts
                th.acquired = join(th.acquired, m.view)
                if o == .acquire || o == .fullyOrdered { th.cur = join(th.cur, m.view) }
                th.registers[r] = m.value
                n.threads[t] = th
                if o == .fullyOrdered { _ = fullBarrier(&n, t) }
                finish(&n, t)
                var text = "P\(t): r\(r) = \(op) = \(m.value)"
                let stale = ts < msgs.count - 1
                if stale {
                    let newest = msgs[msgs.count - 1]
                    text += " (stale: reads \(name(l))#\(ts) \(writerText(m.writer)); \(name(l))#\(msgs.count - 1) = \(newest.value) by P\(newest.writer) is newer)"
                }
                out.append(WeakStep(thread: t, text: text, access: LitmusAccess(thread: t, kind: .load, location: l, value: m.value, order: o, register: r), state: n,
                                    event: stale ? .oldValue(location: l) : nil))
            }
        }
    }

    private func writerText(_ w: Int) -> String { w < 0 ? "(initial value)" : "(written by P\(w))" }

    private func rmw(_ s: WeakState, _ t: Int, _ l: Int, _ op: RMWOperation, _ r: Int, _ o: MemoryOrder, into out: inout [WeakStep]) {
        let opText = Herd.rmwText(name(l), op, o)
        // A failing atomic_add_unless is a plain load of any readable value.
        if case .addUnless(_, let u) = op {
            var plain: [WeakStep] = []
            load(s, t, l, r, .relaxed, into: &plain)
            for p in plain where p.access!.value == u {
                var step = p
                step.text = "P\(t): r\(r) = \(opText) fails: reads \(u)" + (p.text.firstIndex(of: "(").map { " " + p.text[$0...] } ?? "")
                step.access!.kind = .failedRMW
                step.access!.operation = op
                step.access!.order = o
                out.append(step)
            }
        }
        var n = s
        let access = { (v: Int, failed: Bool) in
            LitmusAccess(thread: t, kind: failed ? .failedRMW : .rmw, location: l, value: v, order: o, register: r, operation: op)
        }
        switch model {
        case .sc, .tso:
            if model == .tso && !n.threads[t].buffer.isEmpty { return } // a locked instruction drains the buffer
            let old = n.memory[l]
            guard let new = op.apply(old) else {
                if case .addUnless = op { return } // listed above
                n.threads[t].registers[r] = old
                finish(&n, t)
                out.append(WeakStep(thread: t, text: "P\(t): r\(r) = \(opText) fails: reads \(old)", access: access(old, true), state: n))
                return
            }
            n.memory[l] = new
            n.threads[t].registers[r] = old
            finish(&n, t)
            out.append(WeakStep(thread: t, text: "P\(t): r\(r) = \(opText): \(old) -> \(new)", access: access(old, false), state: n))
        case .arm:
            let last = n.messages[l].count - 1
            let m = n.messages[l][last]
            guard let new = op.apply(m.value) else {
                if case .addUnless = op { return }
                var th = n.threads[t]
                th.cur[l] = last
                th.acquired = join(th.acquired, m.view)
                th.registers[r] = m.value
                n.threads[t] = th
                finish(&n, t)
                out.append(WeakStep(thread: t, text: "P\(t): r\(r) = \(opText) fails: reads \(m.value) (unordered)", access: access(m.value, true), state: n))
                return
            }
            if o == .fullyOrdered || (o == .acquire && n.threads[t].releasePending) { _ = fullBarrier(&n, t) }
            var th = n.threads[t]
            th.cur[l] = last
            th.acquired = join(th.acquired, m.view)
            if o == .acquire || o == .fullyOrdered { th.cur = join(th.cur, m.view) }
            let view = written(&th, l, at: last + 1, o)
            th.registers[r] = m.value
            n.threads[t] = th
            n.messages[l].append(Message(value: new, view: join(view, m.view), writer: t))
            if o == .fullyOrdered { _ = fullBarrier(&n, t) }
            finish(&n, t)
            out.append(WeakStep(thread: t, text: "P\(t): r\(r) = \(opText): \(m.value) -> \(new)", access: access(m.value, false), state: n))
        }
    }
}
