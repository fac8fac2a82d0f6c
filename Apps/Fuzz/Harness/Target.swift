import Glibc

/// The fuzzer each libFuzzer executable drives: the executables' callbacks
/// are C function pointers and capture nothing, so they find it here.
public enum Target {
    /// Set by the schedule executables from the environment before the
    /// driver starts; read only by the driver's (single) thread.
    nonisolated(unsafe) public static var schedules: ScheduleFuzzer?
    public static let scenarioFile = ScenarioFileFuzzer()
    public static let cabi = CABIFuzzer()
    public static let commandLine = CommandLineFuzzer()
}

extension Target {
    /// Start-up of the two schedule executables: the configuration from the
    /// environment (exit 2 naming the mistake), `-list_safe` (the explore
    /// arguments that re-prove the safe combinations, for
    /// Apps/Fuzz/check-safe.sh), a summary line, and a tally of the inputs
    /// that really ran when libFuzzer ends the campaign with exit().
    public static func startSchedules(safe: Bool, name: String) {
        let fuzzer: ScheduleFuzzer
        do {
            fuzzer = ScheduleFuzzer(try .fromEnvironment(safe: safe))
        } catch {
            printError("pagewait \(name): \(error)")
            exit(2)
        }
        if CommandLine.arguments.contains("-list_safe") {
            let c = fuzzer.configuration
            for line in SafeCombinations.exploreArguments(knownParameters: { c.knownParameters[$0] ?? [] }) { print(line) }
            exit(0)
        }
        printError(fuzzer.configuration.summary)
        schedules = fuzzer
        atexit { printError(Target.schedules!.tally) }
    }
}
