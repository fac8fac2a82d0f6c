/// "Did you mean" for a mistyped name: the known names that differ only in
/// case, or failing that those within a small edit distance.
enum Suggestion {
    /// The closest known names to `name`, best first; empty when none is close.
    static func nearest(_ name: String, among known: [String]) -> [String] {
        guard name.count <= 200 else { return [] }
        let lower = name.lowercased()
        let sameLetters = known.filter { $0.lowercased() == lower }
        if !sameLetters.isEmpty { return sameLetters }
        // Up to a third of the name may be wrong (at least one letter, at most three).
        let allowed = min(3, max(1, name.count / 3))
        let scored = known.map { ($0, distance(lower, $0.lowercased())) }.filter { $0.1 <= allowed }
        let best = scored.map(\.1).min()
        return scored.filter { $0.1 == best }.map(\.0)
    }

    /// " (did you mean 'run'?)", or "".
    static func hint(_ name: String, among known: [String]) -> String {
        let near = nearest(name, among: known)
        return near.isEmpty ? "" : " (did you mean \(near.map { "'\($0)'" }.joined(separator: " or "))?)"
    }

    /// Levenshtein distance, with a transposition of neighbours counting one
    /// (optimal string alignment).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
