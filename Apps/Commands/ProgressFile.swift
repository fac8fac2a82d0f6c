import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

/// Numbers only the scale-out options take.
enum ClusterLimits {
    /// Members of a swarm, chunks of a seed sweep (as `--shard`'s parts).
    static let parts = Limits.shards
    /// Seconds between `merge --watch` refreshes.
    static let watchInterval = Limit(1...3_600)
}

/// Parse `i/n` with 0 <= i < n and n in `limit`, naming `option` in errors.
func parsePart(_ text: String, option: String, limit: Limit = ClusterLimits.parts) throws -> (index: Int, count: Int) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 2, let i = parts[0], let n = parts[1] else {
        throw ValidationError("\(option) expects i/n with 0 <= i < n, got '\(text)'")
    }
    try check(limit, n, "\(option): n")
    guard (0..<n).contains(i) else { throw ValidationError("\(option) \(text): i \(i) is out of range: allowed 0...\(n - 1)") }
    return (i, n)
}

/// What one part of a distributed run writes to its `--progress` file, and
/// `merge --watch` reads.
struct PartProgress: Codable, Equatable {
    /// "shard 0/2", "swarm 1/4", "seeds-chunk 3/4".
    var part: String
    /// States visited (explore), runs tried (explore with PCT or random) or
    /// seeds run (compare, run) so far.
    var done: Int
    /// What `done` counts: "states", "runs" or "seeds" (nil in files of
    /// earlier versions: states for a search, seeds for a chunk).
    var unit: String?
    /// Seeds the chunk holds (compare); nil for a search, whose size is unknown.
    var total: Int?
    var seconds: Double
    var finished: Bool
}

/// Writes a part's progress to the user's file, atomically (a reader never
/// sees half a file) and through symlinks (`OutputFile`), at most once a
/// second and once more at the end.
final class ProgressFile: @unchecked Sendable {
    private let file: OutputFile?
    private let part: String
    private let total: Int?
    private let unit: String
    private let start = ContinuousClock.now
    private var last: ContinuousClock.Instant?
    private let lock = NSLock()

    init(path: String?, part: String, unit: String, total: Int? = nil) {
        file = path.map { OutputFile(option: "--progress", path: $0) }
        self.part = part
        self.unit = unit
        self.total = total
    }

    func update(_ done: Int) {
        guard file != nil else { return }
        lock.lock(); defer { lock.unlock() }
        let now = ContinuousClock.now
        if let last, now - last < .seconds(1) { return }
        last = now
        write(done, finished: false)
    }

    /// The final count; errors here are the user's output path's, reported.
    func finish(_ done: Int) throws {
        guard let file else { return }
        lock.lock(); defer { lock.unlock() }
        try file.write(try text(done, finished: true))
    }

    private func text(_ done: Int, finished: Bool) throws -> String {
        try jsonText(PartProgress(part: part, done: done, unit: unit, total: total, seconds: seconds(since: start), finished: finished)) + "\n"
    }

    /// Progress on the way is best effort: a failed write must not stop the search.
    private func write(_ done: Int, finished: Bool) {
        guard let file, let t = try? text(done, finished: finished) else { return }
        try? file.write(t)
    }
}
