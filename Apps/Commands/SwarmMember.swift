import PagewaitPlugins

/// Member i of a swarm of n (`explore --swarm i/n`): its diversification,
/// a pure function of i, so any machine running member i runs the same
/// search. Member 0 is the plain search (lowest task first, unsalted keys);
/// the others take transitions in their own pseudo-random order, salt the
/// visited store's keys with their own seed, and, unless the user bounded
/// preemptions, cycle through preemption bounds 1, 2 and none, which reach
/// shallow bugs first. Unless the user chose a scheduler (or gave an option
/// only one scheduler takes), members 5 and 6 of every 8 run the other
/// schedulers, PCT and random, each on seeds no other member runs: a swarm
/// diversifies its search strategies too (Holzmann, Joshi, Groce, IEEE TSE
/// 37(6), 2011).
struct SwarmMember: Encodable, Equatable {
    var index: Int
    var count: Int
    var scheduler: Explore.SchedulerChoice
    var orderSeed: UInt64?
    var hashSeed: UInt64?
    var preemptions: Int?
    /// PCT and random: the first of the member's seeds.
    var firstSeed: UInt64?
    /// The member's budget: states (exhaustive) or runs; the user's
    /// --budget or the scheduler's default.
    var budget: Int

    /// Exhaustive members' default state budget, and the others' runs.
    static let defaultStates = 5_000_000, defaultRuns = 10_000

    init(_ index: Int, of count: Int, scheduler pinned: Explore.SchedulerChoice? = nil, preemptions userBound: Int?, budget: Int?) {
        self.index = index
        self.count = count
        scheduler = pinned ?? [.exhaustive, .exhaustive, .exhaustive, .exhaustive, .exhaustive, .pct, .random, .exhaustive][index % 8]
        // The user's --budget is in the unit of the scheduler they chose
        // (states when none): a member that picks PCT or random for itself
        // runs the default runs.
        let given = pinned != nil || scheduler == .exhaustive ? budget : nil
        self.budget = given ?? (scheduler == .exhaustive ? Self.defaultStates : Self.defaultRuns)
        if scheduler != .exhaustive {
            firstSeed = 1 + UInt64(index) * UInt64(self.budget)
            return
        }
        if index > 0 {
            orderSeed = Self.mix(UInt64(index))
            hashSeed = Self.mix(UInt64(index) ^ 0x5157_4152_4D00_0000)
        }
        preemptions = userBound ?? [nil, 1, 2, nil][index % 4]
    }

    var order: SwarmOrder? {
        guard let orderSeed, let hashSeed else { return nil }
        return SwarmOrder(orderSeed: orderSeed, hashSeed: hashSeed)
    }

    var description: String { "\(index)/\(count)" }

    /// What the member varies, for its report line.
    var summary: String {
        if let firstSeed {
            return "scheduler \(scheduler.rawValue), seeds \(firstSeed)...\(firstSeed + UInt64(budget) - 1), budget \(budget) runs"
        }
        let order = orderSeed.map { "transition order seed \($0), hash seed \(hashSeed ?? 0)" } ?? "lowest task first"
        return "\(order), preemptions \(preemptions.map(String.init) ?? "unbounded"), budget \(budget) states"
    }

    /// SplitMix64: distinct, well-spread seeds for consecutive members.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What a part of a split run records so `pagewait merge` can check that
/// its parts belong together and print the merged replay line.
struct PartInfo: Codable, Equatable {
    /// "shard", "swarm" or "seeds-chunk".
    var kind: String
    var index: Int
    var count: Int
    /// Everything that must agree between parts, as one canonical line.
    var configuration: String
    /// The scenario as the user gave it, and the options a replay needs.
    var scenarioArgument: String?
    var replayOptions: [String]?
    /// Explore: the search met a possible cycle (see `ExplorationOutcome.cyclesMet`).
    var cyclesMet: Bool?
}

extension Explore.SchedulerChoice: Encodable {}
