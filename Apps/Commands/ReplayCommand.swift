/// A `pagewait replay` command line the tool prints for the user to run:
/// everything the run it reproduces was made with, shell-quoted, so that
/// pasting it reproduces exactly what was reported.
struct ReplayCommand {
    /// A schedule string, or nil with `seed`.
    var schedule: String?
    var seed: UInt64?
    /// The scenario as the user gave it: a built-in name or a file path.
    var scenario: String
    var strategy: String
    /// Options beyond scenario and strategy, in order, as separate words.
    var options: [String] = []

    var text: String {
        var words = ["pagewait", "replay"]
        // A schedule string is always quoted: it holds `*`, and a quoted
        // one reads the same whatever it holds.
        if let schedule { words.append("'" + schedule.replacingOccurrences(of: "'", with: "'\\''") + "'") }
        words += (seed.map { ["--seed", "\($0)"] } ?? []).map(shellQuoted)
        words += ["--scenario", scenario, "--strategy", strategy].map(shellQuoted)
        words += options.map(shellQuoted)
        return words.joined(separator: " ")
    }
}

/// `word` as one shell word: unchanged when it holds only characters no
/// shell treats specially, single-quoted otherwise.
func shellQuoted(_ word: String) -> String {
    let plain = word.unicodeScalars.allSatisfy { c in
        (c.value < 128 && (c.properties.isAlphabetic || ("0"..."9").contains(c))) || "-_./=:,+@%".unicodeScalars.contains(c)
    }
    if plain && !word.isEmpty { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
