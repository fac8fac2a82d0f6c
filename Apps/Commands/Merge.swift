import ArgumentParser
import Foundation
import PagewaitCore
import PagewaitPlugins

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine the JSON reports of a split run's parts: shards, swarm members or seed-sweep chunks.",
        usage: "pagewait merge FILE... [--format text|json] [-o FILE]\n       pagewait merge --watch PROGRESS-FILE... [--interval S] [--once]",
        discussion: """
            Each FILE is the --format json report of one part: `explore --shard i/n`, \
            `explore --swarm i/n`, `compare --seeds-chunk i/n` or `run --seeds-chunk i/n`. Every part of the split must \
            be given once, all made with the same scenario, strategy and options; anything \
            else is refused, naming the file.

            The verdict: a violation in any part is the verdict, with its replay line (the \
            shortest schedule; on a tie, the lowest part). Shards: a proof only when every \
            shard searched its part completely, on one thread (--jobs 1), and met no cycle; \
            any other complete split leaves termination undecided (the whole search settles it). \
            A swarm samples the state space: its verdict says how many states its members covered \
            (and runs, for members that ran PCT or random), never more. \
            Seed chunks add up to exactly the rows the whole sweep computes.

            --watch reads the files parts write with --progress and shows parts done and \
            states, runs or seeds per second, every --interval seconds until every part finished \
            (--once: one line, then exit). A file that does not exist yet is a part not started.

            Exit status: 0 when no part found a violation, 1 when one did, 2 on bad usage or \
            input, 130 when a part was interrupted.
            """)

    @Argument(help: "The parts' JSON reports (with --watch: their progress files).")
    var files: [String] = []

    @Flag(help: "Show the progress of running parts from their --progress files.")
    var watch = false

    @Option(help: "With --watch: seconds between lines (\(ClusterLimits.watchInterval); default 2).")
    var interval: Int?

    @Flag(help: "With --watch: print one line and exit.")
    var once = false

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @Option(name: .shortAndLong, help: "Write the merged report to this file instead of standard output.")
    var output: String?

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("merge needs the parts' report files (or, with --watch, their progress files)") }
        if let interval { try check(ClusterLimits.watchInterval, interval, "--interval") }
        if !watch {
            if interval != nil { throw ValidationError("--interval applies only with --watch") }
            if once { throw ValidationError("--once applies only with --watch") }
        }
    }

    func run() throws {
        try checkOutputs([("--output", output)])
        if watch { return try PartWatch(files: files, interval: interval ?? 2, once: once).run(output: output) }
        let parts = try files.map(PartFile.load)
        let kinds = Set(parts.map(\.info.kind))
        guard kinds.count == 1 else {
            let other = parts.first { $0.info.kind != parts[0].info.kind }!
            throw ValidationError("'\(other.path)' is a \(other.info.kind) part, '\(parts[0].path)' a \(parts[0].info.kind) part: merge the parts of one split run")
        }
        let ordered = try PartFile.checkedSet(parts)
        if parts[0].info.kind == "seeds-chunk" {
            try MergedSweep(ordered).emit(format: format, to: output)
        } else {
            try MergedSearch(ordered).emit(format: format, to: output)
        }
    }
}

/// One part's report, read and checked.
struct PartFile {
    var path: String
    var info: PartInfo
    var data: Data

    /// Nothing a part writes comes near this size.
    static let sizeLimit = 256 << 20

    static func load(_ path: String) throws -> PartFile {
        func bad(_ why: String) -> ValidationError { ValidationError("'\(path)': \(why)") }
        try checkRegular(path)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw bad(exists ? "cannot read it (permission denied, or a directory)" : "no such file")
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: sizeLimit + 1)) ?? Data()
        guard data.count <= sizeLimit else { throw bad("larger than \(sizeLimit >> 20) MiB: not a part's report") }
        guard let object = try? JSONSerialization.jsonObject(with: data) else {
            throw bad(data.isEmpty ? "it is empty (did the part finish?)" : "not JSON (write parts with --format json)")
        }
        guard let dict = object as? [String: Any] else { throw bad("not a JSON object: not a part's report") }
        guard dict["part"] != nil else {
            throw bad("no \"part\" in it: not the report of a part (`explore --shard`/`--swarm`, `compare --seeds-chunk` or `run --seeds-chunk`, with --format json)")
        }
        let info = try decode(PartInfo.self, from: data, path: path, key: "part")
        guard ["shard", "swarm", "seeds-chunk"].contains(info.kind) else { throw bad("part kind '\(info.kind)' is none of shard, swarm, seeds-chunk") }
        guard info.count >= 1, (0..<info.count).contains(info.index) else {
            throw bad("part \(info.index)/\(info.count) is not a part i/n with 0 <= i < n")
        }
        return PartFile(path: path, info: info, data: data)
    }

    /// Decode `T` (under `key`, or the whole document), with a message
    /// naming the file and the field.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, path: String, key: String? = nil) throws -> T {
        let decoder = JSONDecoder()
        do {
            if let key {
                decoder.userInfo[CodingUserInfoKey(rawValue: "key")!] = key
                return try decoder.decode(KeyedPart<T>.self, from: data).value
            }
            return try decoder.decode(T.self, from: data)
        } catch let e as DecodingError {
            throw ValidationError("'\(path)': \(describe(e))")
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func at(_ path: [any CodingKey]) -> String {
            path.isEmpty ? "the document" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch e {
        case .keyNotFound(let key, let c): return "field '\(at(c.codingPath + [key]))' is missing"
        case .typeMismatch(_, let c): return "field '\(at(c.codingPath))' has the wrong type"
        case .valueNotFound(_, let c): return "field '\(at(c.codingPath))' is null"
        case .dataCorrupted(let c): return "field '\(at(c.codingPath))' is malformed"
        @unknown default: return "malformed report"
        }
    }

    /// The parts in index order, once each: every part 0..<n of one split
    /// made with one configuration.
    static func checkedSet(_ parts: [PartFile]) throws -> [PartFile] {
        let first = parts[0]
        for p in parts.dropFirst() {
            if p.info.count != first.info.count {
                throw ValidationError("'\(p.path)' is part \(p.info.index)/\(p.info.count) but '\(first.path)' is \(first.info.index)/\(first.info.count): parts of different splits")
            }
            if p.info.configuration != first.info.configuration {
                throw ValidationError("'\(p.path)' was made with a different run than '\(first.path)':\n  \(p.info.configuration)\n  \(first.info.configuration)")
            }
        }
        var byIndex: [Int: PartFile] = [:]
        for p in parts {
            if let twin = byIndex[p.info.index] {
                throw ValidationError("'\(p.path)' and '\(twin.path)' are both part \(p.info.index)/\(p.info.count): give each part once")
            }
            byIndex[p.info.index] = p
        }
        let missing = (0..<first.info.count).filter { byIndex[$0] == nil }
        if !missing.isEmpty {
            let list = missing.prefix(10).map { "\($0)/\(first.info.count)" }.joined(separator: ", ") + (missing.count > 10 ? ", ..." : "")
            throw ValidationError("\(missing.count) of \(first.info.count) \(first.info.kind) parts missing: \(list) (got \(parts.count) files)")
        }
        return (0..<first.info.count).map { byIndex[$0]! }
    }
}

/// The value under one key of a document (the key in the decoder's user info).
private struct KeyedPart<T: Decodable>: Decodable {
    var value: T
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
    init(from decoder: any Decoder) throws {
        let name = decoder.userInfo[CodingUserInfoKey(rawValue: "key")!] as? String ?? "part"
        value = try decoder.container(keyedBy: Key.self).decode(T.self, forKey: Key(stringValue: name))
    }
}

/// The fields of an `explore` part's JSON report that a merge reads.
struct ExplorePart: Decodable {
    var scenario: String
    var strategy: String
    var states: Int
    var transitions: Int
    var sleptTransitions: Int
    /// Exhaustive parts only.
    var mergedSteps: Int?
    /// PCT and random parts (swarm members): runs tried; their `states` are steps.
    var runs: Int?
    var deepestPath: Int
    var complete: Bool
    var bounds: String?
    var verdict: String
    var interrupted: Bool
    var kind: String?
    var detail: String?
    var minimalSchedule: String?
    var minimalLength: Int?
    var searchSeconds: Double
}

/// Shards or swarm members merged into one verdict.
struct MergedSearch: Encodable {
    var kind: String
    var parts: Int
    var scenario: String
    var strategy: String
    var verdict: String
    var proof: Bool
    var states: Int
    var transitions: Int
    var sleptTransitions: Int
    var mergedSteps: Int
    /// Swarm members that ran PCT or random: their runs and steps (nil
    /// when none did). `states` and the rest count the exhaustive parts.
    var runs: Int?
    var runSteps: Int?
    var deepestPath: Int
    var completeParts: Int
    var interruptedParts: Int
    var violationKind: String?
    var detail: String?
    var minimalSchedule: String?
    var foundIn: String?
    var replay: String?
    var searchSecondsTotal: Double
    var searchSecondsLongest: Double
    var configuration: String
    /// Members that ran PCT or random.
    var sampledParts: Int?

    init(_ files: [PartFile]) throws {
        let parts = try files.map { try PartFile.decode(ExplorePart.self, from: $0.data, path: $0.path) }
        let info = files[0].info
        kind = info.kind
        self.parts = files.count
        scenario = parts[0].scenario
        strategy = parts[0].strategy
        configuration = info.configuration
        let searches = parts.filter { $0.runs == nil }, sampled = parts.filter { $0.runs != nil }
        states = searches.reduce(0) { $0 + $1.states }
        transitions = searches.reduce(0) { $0 + $1.transitions }
        sleptTransitions = searches.reduce(0) { $0 + $1.sleptTransitions }
        mergedSteps = searches.reduce(0) { $0 + ($1.mergedSteps ?? 0) }
        if !sampled.isEmpty {
            runs = sampled.reduce(0) { $0 + ($1.runs ?? 0) }
            runSteps = sampled.reduce(0) { $0 + $1.states }
            sampledParts = sampled.count
        }
        deepestPath = parts.map(\.deepestPath).max() ?? 0
        completeParts = parts.filter { $0.complete && !$0.interrupted && $0.bounds == nil }.count
        interruptedParts = parts.filter(\.interrupted).count
        searchSecondsTotal = parts.reduce(0) { $0 + $1.searchSeconds }
        searchSecondsLongest = parts.map(\.searchSeconds).max() ?? 0
        // The shortest violating schedule, the lowest part on a tie.
        let violating = parts.indices.filter { parts[$0].kind != nil && parts[$0].minimalSchedule != nil }
        if let best = violating.min(by: { (parts[$0].minimalLength ?? .max, $0) < (parts[$1].minimalLength ?? .max, $1) }) {
            let p = parts[best], f = files[best].info
            verdict = "violation"
            violationKind = p.kind
            detail = p.detail
            minimalSchedule = p.minimalSchedule
            foundIn = "\(kind) \(f.index)/\(f.count) ('\(files[best].path)')"
            replay = ReplayCommand(schedule: p.minimalSchedule, scenario: f.scenarioArgument ?? p.scenario, strategy: p.strategy,
                                   options: f.replayOptions ?? []).text
        } else if interruptedParts > 0 {
            verdict = "interrupted"
        } else if kind == "swarm" {
            verdict = "swarm"
        } else if completeParts < parts.count {
            verdict = "bounded"
        } else if files.contains(where: { $0.info.cyclesMet != false }) {
            verdict = "termination-undecided"
        } else {
            verdict = ExplorationVerdict.proof.name
        }
        proof = verdict == ExplorationVerdict.proof.name
    }

    var verdictText: String {
        switch verdict {
        case "violation": "VIOLATION \(detail ?? violationKind ?? "")"
        case "interrupted": "\(interruptedParts) of \(parts) parts interrupted; no violation in what was searched"
        case "swarm": "no violation in the \(states) states the \(parts - (sampledParts ?? 0)) \(sampledParts == nil ? "" : "searching ")swarm members covered"
            + (runs.map { " and the \($0) runs of the \(sampledParts ?? 0) that ran PCT or random" } ?? "")
            + " (states summed over members, who may meet the same state; a swarm samples the state space: not a verdict on the whole scenario)"
        case "bounded": "no violation within bounds: \(parts - completeParts) of \(parts) shards were cut by a bound"
        case "termination-undecided": "no violation in any reachable state (every shard complete), but whether every run ends is undecided: "
            + "a split search does not look for fair cycles, and some part met a possible cycle or ran on several threads "
            + "(with --jobs 1 per part a merge settles an acyclic graph; `explore` without --shard settles any)"
        default: ExplorationVerdict.proof.text(termination: .acyclic)
        }
    }

    var text: String {
        var lines = ["merge of \(parts) \(kind == "swarm" ? "swarm members" : "shards"): explore \(scenario) under \(strategy)"]
        lines.append("  verdict: \(verdictText)")
        if let foundIn { lines.append("  found in: \(foundIn)") }
        lines.append("  states \(states), transitions \(transitions) (\(sleptTransitions) pruned by sleep sets; \(mergedSteps) more steps merged into them), "
                     + "summed over parts; deepest path \(deepestPath) steps")
        if let runs, let runSteps, let sampledParts { lines.append("  runs \(runs), steps \(runSteps), summed over the \(sampledParts) members that ran PCT or random") }
        lines.append("  search: \(format(searchSecondsTotal, 3)) s over all parts, \(format(searchSecondsLongest, 3)) s the longest part")
        if let replay { lines.append("  replay: \(replay)") }
        return lines.joined(separator: "\n")
    }

    func emit(format: OutputFormat, to output: String?) throws {
        try Pagewait_emit(format == .json ? try jsonText(self) + "\n" : text + "\n", to: output)
        if verdict == "violation" { throw ExitCode(1) }
        if verdict == "interrupted" { throw ExitCode(Interrupt.exitStatus) }
    }
}

/// Seed-sweep chunks added up into the whole sweep's compare report.
struct MergedSweep {
    var document: CompareDocument
    var cells: [CellTally]
    var scenarioArguments: [String: String]
    var exploreOptions: [String]
    /// "run" when the chunks are a `run`'s.
    var command: String?

    init(_ files: [PartFile]) throws {
        let chunks = try files.map { try PartFile.decode(ChunkDocument.self, from: $0.data, path: $0.path) }
        var expected = chunks[0].firstSeed
        for (c, f) in zip(chunks, files) {
            guard c.chunkFirstSeed == expected, c.cells.count == chunks[0].cells.count else {
                throw ValidationError("'\(f.path)': its seeds or rows do not follow on from the chunks before it")
            }
            expected = c.chunkFirstSeed + UInt64(c.chunkSeeds)
        }
        guard expected == chunks[0].firstSeed + UInt64(chunks[0].seedsPerCell) else {
            throw ValidationError("'\(files.last!.path)': the chunks hold \(expected - chunks[0].firstSeed) seeds, the sweep \(chunks[0].seedsPerCell)")
        }
        var cells = chunks[0].cells
        for c in chunks.dropFirst() {
            for i in cells.indices { cells[i] = cells[i].adding(c.cells[i]) }
        }
        self.cells = cells
        document = CompareDocument(seedsPerCell: chunks[0].seedsPerCell, firstSeed: chunks[0].firstSeed,
                                   elapsedSeconds: chunks.map(\.elapsedSeconds).max() ?? 0,
                                   rows: cells.map(\.summary), exhaustive: chunks[0].exhaustive)
        if chunks.contains(where: { $0.interrupted == true }) { document.interrupted = true }
        scenarioArguments = chunks[0].scenarioArguments
        exploreOptions = chunks[0].exploreOptions
        command = chunks[0].command
    }

    func emit(format: OutputFormat, to output: String?) throws {
        var text: String
        switch format {
        case .json where command == "run" && document.rows.count == 1: text = try jsonText(document.rows[0]) + "\n"
        case .json: text = try jsonText(document) + "\n"
        case .text:
            text = CompareReport.render(zip(cells, document.rows).map { ($0.label, $1) }, seeds: document.seedsPerCell,
                                        elapsed: document.elapsedSeconds, exhaustive: document.exhaustive,
                                        scenarioArguments: scenarioArguments, replayOptions: cells.map(\.replayOptions),
                                        exploreOptions: exploreOptions)
                + (document.interrupted == true ? "interrupted (Ctrl-C): partial results; rows hold fewer seeds than asked\n" : "")
            if command == "run", text.hasPrefix("pagewait compare:") { text = "pagewait run, merged:" + text.dropFirst("pagewait compare:".count) }
        }
        try Pagewait_emit(text, to: output)
        if document.interrupted == true { throw ExitCode(Interrupt.exitStatus) }
        if document.rows.contains(where: { $0.violations > 0 }) || document.exhaustive.contains(where: { $0.verdict == "violation" }) {
            throw ExitCode(1)
        }
    }
}

/// The module's `emit`, under a name the merge types' own `emit` does not hide.
func Pagewait_emit(_ text: String, to path: String?) throws { try emit(text, to: path) }

/// A part's report or progress file must be a regular file (symlinks
/// followed) of at most `PartFile.sizeLimit` bytes: opening a FIFO blocks
/// until someone writes, and a device never ends. A missing file passes:
/// the caller says what that means.
func checkRegular(_ path: String) throws {
    var st = stat()
    guard stat(path, &st) == 0 else { return }
    guard st.st_mode & S_IFMT == S_IFREG else {
        let what = switch st.st_mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFCHR, S_IFBLK: "a device"
        case S_IFSOCK: "a socket"
        default: "not a regular file"
        }
        throw ValidationError("'\(path)': it is \(what); a part's report or progress is a regular file")
    }
    guard Int(st.st_size) <= PartFile.sizeLimit else {
        throw ValidationError("'\(path)': larger than \(PartFile.sizeLimit >> 20) MiB: not a part's report or progress")
    }
}

/// `merge --watch`: the parts' progress files, read until every part finished.
struct PartWatch {
    var files: [String]
    var interval: Int
    var once: Bool

    /// One line: parts finished, running and not started, and per unit
    /// (states, runs, seeds) the count so far and the summed rate.
    func line() throws -> (text: String, finished: Bool) {
        var done = 0, running = 0, pending = 0
        var counts: [String: (done: Int, rate: Double)] = [:]
        var ofTotal = 0, sized = true
        for path in files {
            guard FileManager.default.fileExists(atPath: path) else { pending += 1; continue }
            try checkRegular(path)
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let p: PartProgress
            do { p = try JSONDecoder().decode(PartProgress.self, from: data) } catch let e as DecodingError {
                throw ValidationError("'\(path)': not a --progress file: \(PartFile.describe(e))")
            } catch {
                throw ValidationError("'\(path)': not a --progress file")
            }
            if p.finished { done += 1 } else { running += 1 }
            let unit = p.unit ?? (p.total == nil ? "states" : "seeds")
            counts[unit, default: (0, 0)].done += p.done
            counts[unit, default: (0, 0)].rate += Double(p.done) / max(p.seconds, 1e-3)
            if let t = p.total { ofTotal += t } else { sized = false }
        }
        var text = "parts done \(done)/\(files.count), running \(running), not started \(pending)"
        for unit in ["states", "runs", "seeds"] + counts.keys.sorted() where counts[unit] != nil {
            let c = counts.removeValue(forKey: unit)!
            text += "; \(unit) \(c.done)" + (sized && pending == 0 && unit == "seeds" ? " of \(ofTotal)" : "")
                + ", \(Int(c.rate.rounded())) \(unit)/s"
        }
        text += " (each part's rate so far, summed)"
        return (text, done == files.count)
    }

    func run(output: String?) throws {
        while true {
            let (text, finished) = try line()
            if let output { try emit(text + "\n", to: output) } else { print(text) }
            if once || finished { return }
            Thread.sleep(forTimeInterval: Double(interval))
        }
    }
}
