import PagewaitCore

/// Everything a run's outcome depends on besides the seed and the scheduler
/// timing: the programs, the kernel configuration, the wait behaviours (pure
/// data: their traits and names), the initial world, and the names reports
/// use. Two setups with the same identity give the same outcome for every
/// seed, and the same exhaustive verdict — so `compare` runs one of them.
///
/// Several built-in strategies differ only in code a scenario never reaches
/// (the reclaim variants, in a scenario without a reclaimer), and build the
/// same model there.
struct ModelIdentity: Hashable {
    struct Behavior: Hashable {
        var name: String
        var isExclusive: Bool
        var postWake: PostWakeCheck
        var dropsReference: ReferenceDrop
        var returnsAfterWake: Bool
    }

    var programs: [Program]
    var config: KernelConfig
    var behaviors: [Behavior]
    var world: World
    var taskNames: [String]
    var counterNames: [String]

    init(_ s: Setup) {
        programs = s.engine.programs
        config = s.engine.config
        behaviors = s.engine.behaviors.map {
            Behavior(name: $0.name, isExclusive: $0.isExclusive, postWake: $0.postWake,
                     dropsReference: $0.dropsReference, returnsAfterWake: $0.returnsAfterWake)
        }
        world = s.world
        taskNames = s.taskNames
        counterNames = s.counterNames
    }
}
