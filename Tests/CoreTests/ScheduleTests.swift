// Schedule strings (Schedule.swift): `pw1:` then one token per step (a
// base-36 digit, or `{n}` for task n ≥ 36), runs written `<token>*<count>.`.

import Testing
import PagewaitCore

@Suite("Schedule strings")
struct ScheduleTests {
    @Test("print then parse gives the same schedule, for empty, single, every digit, long runs and random schedules")
    func roundTrip() throws {
        var rng = SplitMix64(seed: 5)
        var cases: [[UInt8]] = [[], [0], Array(0..<36), Array(repeating: 35, count: 1000), [1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3]]
        for _ in 0..<50 {
            cases.append((0..<rng.below(200)).map { _ in UInt8(rng.below(4) == 0 ? rng.below(36) : rng.below(3)) })
        }
        for steps in cases {
            let s = Schedule(steps)
            let text = s.description
            #expect(text.hasPrefix(Schedule.prefix))
            #expect(try Schedule(parsing: text) == s, "\(text)")
        }
    }

    @Test("run-length form: a long run prints as <digit>*<count>. and parses back; single steps print as digits")
    func runLength() throws {
        #expect(Schedule(Array(repeating: 0, count: 12)).description == "pw1:0*12.")
        #expect(Schedule([0, 1, 2, 10, 35]).description == "pw1:012az")
        let long = Schedule(Array(repeating: 7, count: 100_000))
        #expect(long.description == "pw1:7*100000.")
        let parsed = try Schedule(parsing: "pw1:0*12.1102*3.")
        #expect(parsed.steps == Array(repeating: 0, count: 12) + [1, 1, 0, 2, 2, 2])
        #expect(try Schedule(parsing: "pw1:a*1.").steps == [10])
        #expect(try Schedule(parsing: "  pw1:01\n").steps == [0, 1], "surrounding whitespace is ignored")
    }

    @Test("malformed strings give a ParseError naming the offending character's offset",
          arguments: [
            ("", 0), ("012", 0), ("pw2:012", 0), ("pw1:01!2", 6), ("pw1:0A", 5),
            ("pw1:0*", 6), ("pw1:0*x.", 6), ("pw1:0*12", 8), ("pw1:0*12x", 8), ("pw1:0*999999999.", 6),
            ("  pw1:01!", 8), ("\tpw2:0", 1), ("pw1:{", 5), ("pw1:{12", 7), ("pw1:{128}", 5),
          ])
    func malformed(text: String, offset: Int) throws {
        do {
            _ = try Schedule(parsing: text)
            Issue.record("'\(text)' parsed")
        } catch {
            #expect(error.offset == offset, "\(error)")
            #expect(error.description.contains("character \(offset)"))
        }
    }

    @Test("tasks 36 and up print as {n} tokens and round-trip, alone and in runs, up to the TaskSet capacity")
    func tasksBeyondThirtyFive() throws {
        let s = Schedule([36, 63, 1, 127, 127, 127, 127, 127])
        #expect(s.description == "pw1:{36}{63}1{127}*5.")
        #expect(try Schedule(parsing: s.description) == s)
    }
}
