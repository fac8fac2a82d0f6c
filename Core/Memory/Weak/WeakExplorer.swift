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

/// A way to an outcome: the steps' trace lines and the accesses they made.
struct LitmusWitness: Sendable {
    var lines: [String]
    var accesses: [LitmusAccess]
}

/// The whole search: each outcome with the first execution that reached
/// it, and how many distinct states there were.
struct LitmusResult: Sendable {
    var outcomes: [LitmusOutcome: LitmusWitness]
    var states: Int

    func allows(_ p: (LitmusOutcome) -> Bool) -> Bool { outcomes.keys.contains(where: p) }
    func witness(_ p: (LitmusOutcome) -> Bool) -> LitmusWitness? {
        outcomes.filter { p($0.key) }.min { $0.value.lines.count < $1.value.lines.count }?.value
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
        var visited: Set<WeakState> = []
        var outcomes: [LitmusOutcome: LitmusWitness] = [:]
        // Iterative DFS; each frame keeps the trace to its state.
        var stack: [(WeakState, LitmusWitness)] = [(machine.initial(), LitmusWitness(lines: [], accesses: []))]
        visited.insert(stack[0].0)
        while let (s, path) = stack.popLast() {
            let next = machine.successors(s)
            if next.isEmpty {
                let o = outcome(s)
                if let old = outcomes[o], old.lines.count <= path.lines.count { continue }
                outcomes[o] = path
                continue
            }
            for step in next where visited.insert(step.state).inserted {
                if visited.count > stateLimit { throw .tooManyStates(stateLimit) }
                var p = path
                p.lines.append(step.text)
                if let a = step.access { p.accesses.append(a) }
                stack.append((step.state, p))
            }
        }
        return LitmusResult(outcomes: outcomes, states: visited.count)
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
