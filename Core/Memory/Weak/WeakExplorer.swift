/// How one complete execution ended: every thread's registers, the final
/// value of every location, and the threads asleep with no wake to come.
struct LitmusOutcome: Hashable, Sendable, CustomStringConvertible {
    var registers: [[Int]]
    var memory: [Int]
    var sleepers: [Int]

    /// A sleeper at quiescence: the hang oracle (a LOST_WAKEUP when the
    /// condition it slept on has cleared).
    var hangs: Bool { !sleepers.isEmpty }

    var description: String {
        var parts = registers.enumerated().map { t, r in "P\(t):" + r.enumerated().map { "r\($0)=\($1)" }.joined(separator: ",") }
        parts.append("memory=\(memory)")
        if hangs { parts.append("asleep: " + sleepers.map { "P\($0)" }.joined(separator: ",")) }
        return parts.joined(separator: " ")
    }
}

/// One step of a witness: whose, its trace line, and what it showed of the
/// memory system (`LitmusEvent`).
package struct LitmusWitnessStep: Hashable, Sendable {
    package var thread: Int
    package var text: String
    package var event: LitmusEvent?
}

/// A way to an outcome: its steps and the accesses they made.
package struct LitmusWitness: Sendable {
    package var steps: [LitmusWitnessStep]
    var accesses: [LitmusAccess]
    /// The steps' trace lines.
    var lines: [String] { steps.map(\.text) }
    /// The threads asleep at its end with no wake to come.
    package var sleepers: [Int] = []
}

/// The whole search: each outcome with the first execution that reached
/// it, and how many distinct states there were.
struct LitmusResult: Sendable {
    var outcomes: [LitmusOutcome: LitmusWitness]
    var states: Int
    /// States from which no execution reaches quiescence (a spin that
    /// never ends), and the way to the nearest.
    var cannotQuiesce: Int
    var spinning: LitmusWitness?

    func allows(_ p: (LitmusOutcome) -> Bool) -> Bool { outcomes.keys.contains(where: p) }
    func witness(_ p: (LitmusOutcome) -> Bool) -> LitmusWitness? {
        outcomes.filter { p($0.key) }.min { $0.value.steps.count < $1.value.steps.count }?.value
    }
}

enum WeakExplorerError: Error, CustomStringConvertible {
    case invalidProgram(String)
    case tooManyStates(Int)
    var description: String {
        switch self {
        case .invalidProgram(let p): "invalid litmus program: \(p)"
        case .tooManyStates(let n): "more than \(n) states: the litmus program is too large for exhaustive search"
        }
    }
}

/// Exhaustive depth-first exploration of every step the model allows,
/// with a visited set over whole states: a state is the machine's only
/// memory, so a state seen once needs no second visit, and every terminal
/// state (no step enabled) is an outcome.
struct WeakExplorer: Sendable {
    let machine: WeakMachine
    var stateLimit = 500_000

    init(_ program: LitmusProgram, model: MemoryModel) {
        machine = WeakMachine(program: program, model: model)
    }

    func run() throws(WeakExplorerError) -> LitmusResult {
        if let p = machine.program.problem { throw .invalidProgram(p) }
        // Each state once, with the step that first reached it (for its
        // trace) and who reaches it (to find states that cannot quiesce).
        var ids: [WeakState: Int] = [:]
        var parent: [(from: Int, step: LitmusWitnessStep, access: LitmusAccess?)] = []
        var predecessors: [[Int]] = []
        var terminals: [(Int, WeakState)] = []
        let start = machine.initial()
        ids[start] = 0
        parent.append((-1, LitmusWitnessStep(thread: -1, text: ""), nil))
        predecessors.append([])
        var stack = [(start, 0)]
        while let (s, id) = stack.popLast() {
            let next = machine.successors(s)
            if next.isEmpty { terminals.append((id, s)); continue }
            for step in next {
                if let known = ids[step.state] { predecessors[known].append(id); continue }
                let n = parent.count
                if n >= stateLimit { throw .tooManyStates(stateLimit) }
                ids[step.state] = n
                parent.append((id, LitmusWitnessStep(thread: step.thread, text: step.text, event: step.event), step.access))
                predecessors.append([id])
                stack.append((step.state, n))
            }
        }
        func witness(_ id: Int) -> LitmusWitness {
            var steps: [LitmusWitnessStep] = [], accesses: [LitmusAccess] = []
            var i = id
            while parent[i].from >= 0 {
                steps.append(parent[i].step)
                if let a = parent[i].access { accesses.append(a) }
                i = parent[i].from
            }
            return LitmusWitness(steps: steps.reversed(), accesses: accesses.reversed())
        }
        var outcomes: [LitmusOutcome: LitmusWitness] = [:]
        for (id, s) in terminals {
            let o = outcome(s)
            var w = witness(id)
            w.sleepers = o.sleepers
            if let old = outcomes[o], old.steps.count <= w.steps.count { continue }
            outcomes[o] = w
        }
        // States from which no execution reaches quiescence: a thread spins
        // forever (on a lock nobody releases); the hang oracle's other half.
        var reaches = Array(repeating: false, count: parent.count)
        var work = terminals.map(\.0)
        for t in work { reaches[t] = true }
        while let i = work.popLast() {
            for p in predecessors[i] where !reaches[p] {
                reaches[p] = true
                work.append(p)
            }
        }
        let stuck = reaches.indices.filter { !reaches[$0] }
        return LitmusResult(outcomes: outcomes, states: parent.count, cannotQuiesce: stuck.count,
                            spinning: stuck.min { witness($0).steps.count < witness($1).steps.count }.map(witness))
    }

    /// Every outcome by plain enumeration of every path, with no visited
    /// set: what `run` must agree with, to show that the state it hashes
    /// holds everything that decides the future. Only for loop-free
    /// programs (a path longer than `depthLimit` is an error).
    func outcomesWithoutMerging(depthLimit: Int = 64) throws(WeakExplorerError) -> Set<LitmusOutcome> {
        if let p = machine.program.problem { throw .invalidProgram(p) }
        var found: Set<LitmusOutcome> = []
        var paths = 0
        var stack: [(WeakState, Int)] = [(machine.initial(), 0)]
        while let (s, depth) = stack.popLast() {
            let next = machine.successors(s)
            if next.isEmpty { found.insert(outcome(s)); continue }
            paths += 1
            if depth >= depthLimit || paths > stateLimit { throw .tooManyStates(stateLimit) }
            for step in next { stack.append((step.state, depth + 1)) }
        }
        return found
    }

    private func outcome(_ s: WeakState) -> LitmusOutcome {
        LitmusOutcome(registers: s.threads.map(\.registers),
                      memory: machine.program.locations.indices.map { s.finalValue($0) },
                      sleepers: s.threads.indices.filter { machine.isAsleep(s, $0) })
    }
}
