import PagewaitCore

/// The zoo: known-bugs.md's rows the model reaches, one file per entry in
/// `Entries/`, in id order.
public enum ZooEntries {
    public static let all: [BugEntry] = [z01, z02, z05, z06, z07, z08, z09, z10, z11, z12, z13, z14, z15, z16, z17, z18, z19]

    /// The scenarios the entries bring, each once.
    public static var scenarios: [ScenarioSpec] {
        var seen = Set<String>()
        return all.flatMap(\.scenarios).filter { seen.insert($0.name).inserted }
    }
}
