// Split runs and their merge (docs/scale-out.md): the parts of a shard split,
// a swarm and a chunked seed sweep, run in-process as the command line runs
// them, merged, and checked against the single search or sweep.

import ArgumentParser
import Foundation
import Testing
@testable import PagewaitCommands
import PagewaitPlugins

/// A fresh directory for one test's files.
private func scratch() throws -> String {
    let dir = temporaryFile("scale-out-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Run a command's `run()`, returning its exit status (0 when it returned).
private func status(_ body: () throws -> Void) throws -> Int32 {
    do { try body() } catch let e as ExitCode { return e.rawValue }
    return 0
}

private func explore(_ arguments: [String], to out: String) throws -> Int32 {
    let command = try Explore.parse(arguments + ["--quiet", "-o", out])
    return try status { try command.run(interrupt: Interrupt()) }
}

private func merge(_ arguments: [String], to out: String) throws -> (text: String, status: Int32) {
    let command = try Merge.parse(arguments + ["-o", out])
    let s = try status { try command.run() }
    return (try String(contentsOfFile: out, encoding: .utf8), s)
}

private func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

private func verdictLine(_ text: String) -> String? {
    text.split(separator: "\n").first { $0.hasPrefix("  verdict: ") }.map(String.init)
}

/// The words of a printed command line (plain words and single-quoted ones).
private func shellWords(_ line: String) -> [String] {
    var words: [String] = [], word = "", quoted = false, inWord = false
    for c in line {
        if c == "'" { quoted.toggle(); inWord = true; continue }
        if c == " " && !quoted {
            if inWord { words.append(word) }
            word = ""; inWord = false
            continue
        }
        word.append(c); inWord = true
    }
    if inWord { words.append(word) }
    return words
}

/// Run the merged report's replay line; it must end in `kind`.
private func replayReproduces(_ text: String, _ kind: String, dir: String) throws -> Bool {
    let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("  replay: ") })
    let words = shellWords(String(line.dropFirst("  replay: ".count)))
    #expect(Array(words.prefix(2)) == ["pagewait", "replay"])
    let out = dir + "/replayed.txt"
    let command = try Replay.parse(Array(words.dropFirst(2)) + ["-o", out])
    let s = try status { try command.run() }
    let text = try read(out)
    return s == 1 && text.contains("violation: \(kind)")
}

@Suite("split runs and pagewait merge")
struct ScaleOutTests {
    @Test("2 shards on one thread each merge to the whole search's proof; on several threads the merge leaves termination undecided")
    func shardsMergeToProof() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scope = ["z12-end-writeback", "--strategy", "noref"]
        #expect(try explore(scope + ["--jobs", "1"], to: dir + "/whole.txt") == 0)
        for i in 0..<2 { #expect(try explore(scope + ["--jobs", "1", "--shard", "\(i)/2", "--format", "json"], to: dir + "/s\(i).json") == 0) }
        let whole = try read(dir + "/whole.txt")
        let merged = try merge([dir + "/s0.json", dir + "/s1.json"], to: dir + "/merged.txt")
        #expect(merged.status == 0)
        #expect(whole.contains("a proof for this scenario") && verdictLine(whole) == verdictLine(merged.text), "\(whole)\n\(merged.text)")
        // Threads make "met a cycle" a matter of timing: not told, so no proof.
        for i in 0..<2 { #expect(try explore(scope + ["--jobs", "2", "--shard", "\(i)/2", "--format", "json"], to: dir + "/t\(i).json") == 0) }
        let threaded = try merge([dir + "/t0.json", dir + "/t1.json"], to: dir + "/threaded.txt")
        #expect(threaded.status == 0 && !threaded.text.contains("proof") && threaded.text.contains("undecided"), "\(threaded.text)")
    }

    @Test("a violation in one shard or swarm member is the merged verdict, and its replay line reproduces it")
    func violationReplays() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scope = ["multi-lock", "--strategy", "noref", "--jobs", "1"]
        #expect(try explore(scope, to: dir + "/whole.txt") == 1)
        let kind = try #require(verdictLine(try read(dir + "/whole.txt"))?.split(separator: " ").dropFirst(2).first?.prefix { $0 != ":" })
        for (split, n) in [("shard", 2), ("swarm", 4)] {
            let files = (0..<n).map { "\(dir)/\(split)\($0).json" }
            for i in 0..<n { _ = try explore(scope + ["--\(split)", "\(i)/\(n)", "--format", "json"], to: files[i]) }
            let merged = try merge(files, to: dir + "/merged.txt")
            #expect(merged.status == 1 && verdictLine(merged.text)?.hasPrefix("  verdict: VIOLATION \(kind)") == true, "\(merged.text)")
            #expect(try replayReproduces(merged.text, String(kind), dir: dir), "\(merged.text)")
        }
    }

    @Test("a swarm never claims a proof, even when every member searched everything; members' orders reach the same states")
    func swarmIsNoProof() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scope = ["z12-end-writeback", "--strategy", "noref", "--jobs", "1"]
        #expect(try explore(scope + ["--format", "json"], to: dir + "/whole.json") == 0)
        var files: [String] = []
        for i in 0..<4 {
            files.append("\(dir)/m\(i).json")
            #expect(try explore(scope + ["--swarm", "\(i)/4", "--format", "json"], to: files[i]) == 0)
            #expect(try explore(scope + ["--swarm", "\(i)/4"], to: "\(dir)/m\(i).txt") == 0)
            let text = try read("\(dir)/m\(i).txt")
            #expect(!text.contains("proof") && text.contains("swarm member \(i)/4"), "\(text)")
        }
        let merged = try merge(files, to: dir + "/merged.txt")
        #expect(merged.status == 0 && !merged.text.contains("proof") && merged.text.contains("4 swarm members covered"), "\(merged.text)")
        // Member 3 takes transitions in its own order with salted keys and no
        // bound: the same reachable states as the plain search, by another path.
        func states(_ path: String) throws -> Int? {
            (try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])?["states"] as? Int
        }
        let json3 = try read(files[3])
        #expect(try states(files[3]) == states(dir + "/whole.json") && json3.contains("\"orderSeed\""), "\(json3)")
        #expect(try !read(files[0]).contains("\"orderSeed\""))
    }

    /// Members 5 and 6 of every 8 run PCT and random on seeds of their own,
    /// unless the user chose a scheduler or gave an option only exhaustive
    /// search takes; their runs merge apart from the states the others
    /// searched, and a violation one of them finds replays.
    @Test("a swarm diversifies its schedulers: members 5 and 6 of 8 run PCT and random on disjoint seeds; the merge counts their runs apart")
    func swarmSchedulers() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scope = ["z12-end-writeback", "--strategy", "noref", "--jobs", "1", "--budget", "3000"]
        var files: [String] = []
        var firstSeeds: [UInt64] = []
        for i in 0..<8 {
            files.append("\(dir)/m\(i).json")
            #expect(try explore(scope + ["--swarm", "\(i)/8", "--format", "json"], to: files[i]) == 0)
            let member = try #require(try Explore.parse(scope + ["--swarm", "\(i)/8"]).parsedSwarm())
            #expect(member.scheduler == [5: .pct, 6: .random][i, default: .exhaustive], "member \(i)")
            if let s = member.firstSeed {
                // The user's --budget counts states; these members run the default runs.
                #expect(member.budget == SwarmMember.defaultRuns)
                firstSeeds.append(s)
            }
        }
        #expect(firstSeeds.count == 2 && firstSeeds[0] + UInt64(SwarmMember.defaultRuns) <= firstSeeds[1], "\(firstSeeds)")
        let merged = try merge(files, to: dir + "/merged.txt")
        #expect(merged.status == 0 && merged.text.contains("6 searching swarm members covered")
                && merged.text.contains("runs of the 2 that ran PCT or random") && !merged.text.contains("proof"), "\(merged.text)")
        // Progress counts each member in its own unit: states searched, runs tried.
        for i in [1, 5] { _ = try explore(scope + ["--swarm", "\(i)/8", "--progress", "\(dir)/p\(i).json"], to: "\(dir)/p\(i).txt") }
        let watch = try merge(["--watch", "--once", dir + "/p1.json", dir + "/p5.json"], to: dir + "/watch.txt")
        #expect(watch.text.contains("; states ") && watch.text.contains("; runs \(SwarmMember.defaultRuns),"), "\(watch.text)")
        // The user's scheduler, or an exhaustive-only option, keeps every member searching.
        for extra in [["--scheduler", "exhaustive"], ["--max-depth", "400"]] {
            #expect(try Explore.parse(scope + extra + ["--swarm", "5/8"]).parsedSwarm()?.scheduler == .exhaustive, "\(extra)")
        }
        #expect(try Explore.parse(["z12-end-writeback", "--swarm", "5/8", "--scheduler", "random"]).parsedSwarm()?.scheduler == .random)
        // A random member's violation replays from the line it prints.
        let race = ["reclaim-race", "--strategy", "put-and-wait-unlockless", "--jobs", "1"]
        #expect(try explore(race + ["--swarm", "6/8"], to: dir + "/r6.txt") == 1)
        let text = try read(dir + "/r6.txt")
        let reproduced = try replayReproduces(text, "LOST_WAKEUP", dir: dir)
        #expect(text.contains("(random, swarm member 6/8)") && reproduced, "\(text)")
    }

    @Test("a sweep split into 3 uneven chunks merges to exactly the single process's compare report")
    func chunksMergeByteForByte() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sweep = ["--seeds", "31", "--scenario", "offline", "--scenario", "reclaim-race", "--strategy", "put-and-wait-unlockless",
                     "--faulters", "1,2", "--format", "json"]
        let whole = try Compare.parse(sweep + ["-o", dir + "/whole.json"])
        let wholeStatus = try status { try whole.run(interrupt: Interrupt()) }
        var files: [String] = []
        for i in 0..<3 {
            files.append("\(dir)/c\(i).json")
            let part = try Compare.parse(sweep + ["--seeds-chunk", "\(i)/3", "-o", files[i], "--progress", "\(dir)/p\(i).json"])
            _ = try status { try part.run(interrupt: Interrupt()) }
        }
        let merged = try merge(files + ["--format", "json"], to: dir + "/merged.json")
        func timeless(_ text: String) -> String { text.split(separator: "\n").filter { !$0.lowercased().contains("seconds") }.joined(separator: "\n") }
        let a = timeless(try read(dir + "/whole.json")), b = timeless(merged.text)
        #expect(a == b && merged.status == wholeStatus)
        #expect(a.contains("\"offlineP99\"") && a.contains("LOST_WAKEUP"))
        // Progress: every chunk finished, with its seeds times rows.
        let watch = try merge(["--watch", "--once"] + (0..<3).map { "\(dir)/p\($0).json" } + [dir + "/p3.json"], to: dir + "/watch.txt")
        // (A chunk's unit is seeds, whether or not every part has started.)
        #expect(watch.status == 0 && watch.text.hasPrefix("parts done 3/4, running 0, not started 1; seeds "), "\(watch.text)")
    }

    @Test("a run's seeds in 3 chunks merge to exactly the single run's JSON report")
    func runChunks() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let sweep = ["offline", "--strategy", "legacy", "--faulters", "2", "--seeds", "20", "--format", "json"]
        let whole = try Run.parse(sweep + ["-o", dir + "/whole.json"])
        let wholeStatus = try status { try whole.run() }
        let files = (0..<3).map { "\(dir)/r\($0).json" }
        for i in 0..<3 { _ = try status { try Run.parse(sweep + ["--seeds-chunk", "\(i)/3", "-o", files[i]]).run() } }
        let merged = try merge(files + ["--format", "json"], to: dir + "/merged.json")
        #expect(try read(dir + "/whole.json") == merged.text && merged.status == wholeStatus && wholeStatus == 1)
    }

    @Test("tallies add up to the row CellSummary computes from all the outcomes, percentiles and first failure included")
    func talliesAddUp() throws {
        // Offline under legacy livelocks at 10 iterations; under noref it takes 2:
        // chunks with different distributions; multi-lock's runs deadlock.
        func outcomes(_ strategy: String, _ seeds: ClosedRange<UInt64>, scenario: String = "offline") throws -> [RunOutcome] {
            let setup = try SetupOptions.parse([scenario, "--strategy", strategy] + (scenario == "offline" ? ["--faulters", "2"] : [])).build().setup
            return seeds.map { setup.run(seed: $0, maxSteps: 200_000) }
        }
        let a = try outcomes("noref", 1...7), b = try outcomes("legacy", 8...10)
        let c = try outcomes("noref", 11...12) + outcomes("noref", 13...40, scenario: "multi-lock")
        func tally(_ o: [RunOutcome]) -> CellTally {
            CellTally(label: "offline", scenario: "offline", strategy: "mixed", faulters: 2, mappings: 1, replayOptions: [], outcomes: o)
        }
        let whole = CellSummary(scenario: "offline", strategy: "mixed", faulters: 2, mappings: 1, outcomes: a + b + c)
        #expect(tally(a).adding(tally(b)).adding(tally(c)).summary == whole)
        #expect(tally(a + b + c).summary == whole)
        #expect(whole.offlineP50 != whole.offlineP99 && whole.firstFailureSeed == 8 && whole.deadlocks > 0 && whole.hangs + whole.livelocks > 0, "\(whole)")
    }

    @Test("merge refuses parts that do not make one split, naming the file")
    func refusals() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let scope = ["z12-end-writeback", "--strategy", "noref", "--jobs", "1", "--format", "json"]
        for i in 0..<3 { _ = try explore(scope + ["--shard", "\(i)/3"], to: "\(dir)/s\(i).json") }
        _ = try explore(["z12-end-writeback", "--strategy", "legacy", "--jobs", "1", "--format", "json", "--shard", "2/3"], to: dir + "/other.json")
        _ = try explore(scope + ["--shard", "1/2"], to: dir + "/half.json")
        _ = try explore(scope + ["--swarm", "2/3"], to: dir + "/member.json")
        _ = try explore(scope, to: dir + "/whole.json")
        let original = try read(dir + "/s1.json")
        try original.replacingOccurrences(of: "\"states\" : ", with: "\"states\" : \"many\", \"x\" : ").write(toFile: dir + "/typed.json", atomically: true, encoding: .utf8)
        try "".write(toFile: dir + "/empty.json", atomically: true, encoding: .utf8)
        try "states 12".write(toFile: dir + "/text.json", atomically: true, encoding: .utf8)
        let s0 = dir + "/s0.json", s1 = dir + "/s1.json", s2 = dir + "/s2.json"
        // A FIFO would block the read until someone writes (and a test
        // that hung here would say so by never ending).
        #expect(mkfifo(dir + "/fifo.json", 0o600) == 0)
        let cases: [([String], [String])] = [
            ([s0, dir + "/fifo.json", s2], ["fifo.json': it is a FIFO"]),
            ([s0, dir, s2], ["': it is a directory"]),
            ([s0, s1], ["1 of 3 shard parts missing: 2/3"]),
            ([s0, s1, s1, s2], ["s1.json' are both part 1/3"]),
            ([s0, s1, dir + "/other.json"], ["other.json' was made with a different run", "--strategy legacy"]),
            ([s0, dir + "/half.json"], ["half.json' is part 1/2", "3"]),
            ([s0, s1, dir + "/member.json"], ["member.json' is a swarm part"]),
            ([s0, dir + "/whole.json"], ["whole.json': no \"part\""]),
            ([s0, dir + "/typed.json", s2], ["typed.json': field 'states' has the wrong type"]),
            ([dir + "/empty.json"], ["empty.json': it is empty"]),
            ([dir + "/text.json"], ["text.json': not JSON"]),
            ([dir + "/none.json"], ["none.json': no such file"]),
        ]
        for (files, expected) in cases {
            let command = try Merge.parse(files)
            #expect(performing: { try command.run() }, throws: { error in
                let message = (error as? ValidationError)?.message ?? "\(error)"
                return expected.allSatisfy { message.contains($0) }
            })
        }
        let watch = try Merge.parse(["--watch", "--once", s0])
        #expect(performing: { try watch.run() }, throws: { (($0 as? ValidationError)?.message ?? "").contains("s0.json': not a --progress file") })
        let fifoWatch = try Merge.parse(["--watch", "--once", dir + "/fifo.json"])
        #expect(performing: { try fifoWatch.run() }, throws: { (($0 as? ValidationError)?.message ?? "").contains("fifo.json': it is a FIFO") })
    }

    @Test("scale-out numbers are bounded and refused with their range", arguments: [
        (["explore", "offline", "--swarm", "0/0"], "--swarm: n 0 is out of range: allowed 1...1,000,000"),
        (["explore", "offline", "--swarm", "4/4"], "i 4 is out of range: allowed 0...3"),
        (["explore", "offline", "--swarm", "0/1000001"], "allowed 1...1,000,000"),
        (["explore", "offline", "--swarm", "1/2", "--shard", "0/2"], "give one"),
        (["explore", "offline", "--swarm", "1/2", "--scheduler", "random", "--seed", "4"], "a swarm member's seeds follow from its number"),
        (["compare", "--seeds", "10", "--seeds-chunk", "0/11", "--format", "json"], "--seeds-chunk: n 11 is out of range: allowed 1...10"),
        (["compare", "--seeds-chunk", "a/b", "--format", "json"], "--seeds-chunk expects i/n"),
        (["compare", "--seeds-chunk", "0/2"], "add --format json"),
        (["compare", "--progress", "p.json"], "--progress applies only with --seeds-chunk"),
        (["run", "offline", "--seeds", "5", "--seeds-chunk", "5/5", "--format", "json"], "i 5 is out of range: allowed 0...4"),
        (["run", "offline", "--seeds-chunk", "0/2"], "add --format json"),
        (["merge", "--watch", "--interval", "0", "p.json"], "--interval 0 is out of range: allowed 1...3,600"),
        (["merge", "--watch", "--interval", "3601", "p.json"], "allowed 1...3,600"),
        (["merge", "--interval", "2", "p.json"], "--interval applies only with --watch"),
        (["merge"], "merge needs the parts' report files"),
    ])
    func bounds(arguments: [String], expected: String) throws {
        #expect(throws: (any Error).self) { try Pagewait.parseAsRoot(arguments) }
        do { _ = try Pagewait.parseAsRoot(arguments) } catch {
            let message = Pagewait.message(for: error)
            #expect(message.contains(expected), "\(message)")
        }
    }
}
