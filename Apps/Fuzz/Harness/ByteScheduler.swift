import PagewaitCore
import PagewaitPlugins

/// A scheduler that takes its decisions from fuzz bytes, one byte per
/// decision, and hands over to the seeded random scheduler (with its wake-up
/// latency and preemptions) when the bytes run out. A run is a pure function
/// of the input.
///
/// A byte's top two bits say what it does with the six below them, always
/// relative to the runnable tasks that are not held off (all of them, if
/// every one is):
///
/// - `00`, `01`: run the k-th runnable task once (k = the byte mod count);
/// - `10`: run the k-th (bits 3–5) for a burst of 2…256 steps (bits 0–2),
///   while it stays runnable — a task that has the CPU to itself;
/// - `11`: hold the k-th (bits 3–5) off the CPU for 4…512 steps (bits 0–2),
///   then read the next byte — a preemption, or a woken task waiting for a
///   CPU. A held-off task still runs when nothing else can.
///
/// Bursts and hold-offs are what make the long schedules of real bugs
/// (a faulter starved across ten migration passes) a few bytes long.
public struct ByteScheduler: Scheduler {
    private var input: FuzzInput
    private var fallback: RandomScheduler
    private var current = -1
    private var burst = 0
    private var heldUntil: [Int] = []
    /// Decisions taken from bytes; after that the fallback decides.
    public private(set) var byteDecisions = 0

    public init(decisions: FuzzInput, seed: UInt64, timing: SchedulerTiming) {
        input = decisions
        fallback = RandomScheduler(seed: seed, wakeLatency: timing.wakeLatency, preemptLength: timing.preemptLength)
    }

    public mutating func pick(runnable: TaskSet, world: World, step: Int) -> Int? {
        if heldUntil.count != world.tasks.count { heldUntil = Array(repeating: 0, count: world.tasks.count) }
        while true {
            var candidates = runnable
            for t in runnable where heldUntil[t] > step { candidates.remove(t) }
            if candidates.isEmpty { candidates = runnable }
            if burst > 0 && candidates.contains(current) {
                burst -= 1
                return current
            }
            burst = 0
            guard let b = input.next() else {
                return fallback.pick(runnable: runnable, world: world, step: step)
            }
            byteDecisions += 1
            let low = Int(b & 0x3F)
            switch b >> 6 {
            case 0, 1:
                return candidates.nth(Int(b) % candidates.count)
            case 2:
                let t = candidates.nth((low >> 3) % candidates.count)
                current = t
                burst = (2 << (low & 7)) - 1
                return t
            default:
                let t = candidates.nth((low >> 3) % candidates.count)
                heldUntil[t] = step + (4 << (low & 7))
            }
        }
    }
}
