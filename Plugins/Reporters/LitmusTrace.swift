import PagewaitCore

/// A weak-memory counterexample (`pagewait litmus --trace-out`) as a Chrome
/// Trace Event document, for ui.perfetto.dev, laid out as `PerfettoTrace`
/// lays out a replay: one step is one microsecond (`ts` is the step index).
///
/// - one track per thread (`tid` = the thread), a slice per step named by
///   its trace line;
/// - under `tso`, a track per thread's store buffer (`tid` = 100 + the
///   thread): each buffered store is a slice from the step that issued it
///   to the end of the flush step that took it to memory (drawn inside it;
///   to the end of the trace, if it never did), so a load made while it was
///   parked is drawn beside it;
/// - an instant event on the loading thread's track where a load returned
///   an old value (a store still buffered, a newer message missed), and a
///   global one at the end naming the threads left asleep.
package struct LitmusTrace {
    package var title: String
    package var threads: Int
    package var locations: [String]
    package var witness: LitmusWitness

    package init(title: String, threads: Int, locations: [String], witness: LitmusWitness) {
        self.title = title
        self.threads = threads
        self.locations = locations
        self.witness = witness
    }

    /// The store buffer's track of `thread`.
    static func bufferTrack(_ thread: Int) -> Int { 100 + thread }

    package func render() -> String {
        var events: [String] = []
        let object = PerfettoTrace.Builder.object
        func metadata(_ name: String, tid: Int, _ args: [(String, String)]) {
            events.append(object([("name", jsonString(name)), ("ph", "\"M\""), ("pid", "1"), ("tid", "\(tid)"), ("args", object(args))]))
        }
        func slice(_ ph: String, _ name: String, cat: String, ts: Int, tid: Int, args: [(String, String)] = []) {
            var pairs = [("name", jsonString(name)), ("cat", jsonString(cat)), ("ph", "\"\(ph)\""), ("ts", "\(ts)"), ("pid", "1"), ("tid", "\(tid)")]
            if ph == "B" { pairs.append(("args", object([("step", "\(ts)")] + args))) }
            events.append(object(pairs))
        }
        func instant(_ name: String, ts: Int, tid: Int?, args: [(String, String)]) {
            var pairs = [("name", jsonString(name)), ("cat", "\"memory\""), ("ph", "\"i\""), ("ts", "\(ts)"), ("pid", "1")]
            pairs += tid.map { [("tid", "\($0)"), ("s", "\"t\"")] } ?? [("tid", "0"), ("s", "\"g\"")]
            pairs.append(("args", object([("step", "\(ts)")] + args)))
            events.append(object(pairs))
        }
        func location(_ l: Int) -> String { l >= 0 && l < locations.count ? locations[l] : "#\(l)" }

        events.append(object([("name", "\"process_name\""), ("ph", "\"M\""), ("pid", "1"), ("args", object([("name", jsonString(title))]))]))
        let buffers = witness.steps.contains { if case .buffered = $0.event { true } else { false } }
        for t in 0..<threads {
            metadata("thread_name", tid: t, [("name", jsonString("P\(t)"))])
            metadata("thread_sort_index", tid: t, [("sort_index", "\(2 * t)")])
            if buffers {
                metadata("thread_name", tid: Self.bufferTrack(t), [("name", jsonString("P\(t) store buffer"))])
                metadata("thread_sort_index", tid: Self.bufferTrack(t), [("sort_index", "\(2 * t + 1)")])
            }
        }
        // Each buffer is FIFO, so a flush ends the oldest open slice, the
        // outermost: the younger ones are ended with it and begun again at
        // once (`continued`), so that B and E nest as the format wants (as
        // PerfettoTrace does for locks).
        var parked: [[String]] = Array(repeating: [], count: threads)
        for (k, step) in witness.steps.enumerated() where step.thread >= 0 && step.thread < threads {
            let t = step.thread
            // A flush is the memory system's step, not the thread's: it is
            // drawn inside the buffered store's slice it ends.
            var track = t
            if case .flushed? = step.event, !parked[t].isEmpty { track = Self.bufferTrack(t) }
            slice("B", step.text, cat: "step", ts: k, tid: track)
            slice("E", step.text, cat: "step", ts: k + 1, tid: track)
            switch step.event {
            case .buffered(let l, let v)?:
                let name = "\(location(l)) = \(v) buffered"
                parked[t].append(name)
                slice("B", name, cat: "store buffer", ts: k, tid: Self.bufferTrack(t), args: [("issued", jsonString(step.text))])
            case .flushed?:
                guard !parked[t].isEmpty else { break }
                for name in parked[t].reversed() { slice("E", name, cat: "store buffer", ts: k + 1, tid: Self.bufferTrack(t)) }
                parked[t].removeFirst()
                for name in parked[t] {
                    slice("B", name, cat: "store buffer", ts: k + 1, tid: Self.bufferTrack(t), args: [("continued", "true")])
                }
            case .oldValue(let l)?:
                instant("old value of \(location(l))", ts: k, tid: t, args: [("load", jsonString(step.text))])
            case nil:
                break
            }
        }
        let end = witness.steps.count
        for t in parked.indices {
            for name in parked[t].reversed() { slice("E", name, cat: "store buffer", ts: end, tid: Self.bufferTrack(t)) }
        }
        if !witness.sleepers.isEmpty {
            let who = witness.sleepers.map { "P\($0)" }.joined(separator: ", ")
            instant("asleep with no wake to come: \(who)", ts: end, tid: nil, args: [("sleepers", jsonString(who))])
        }
        let other = [("generator", jsonString("pagewait litmus")), ("time", jsonString("1 step = 1 us: ts is the step index")),
                     ("steps", "\(end)")]
        return PerfettoTrace.document(other: other, events: events)
    }
}
