import PagewaitCore

/// A replayed schedule as a Chrome Trace Event document, for
/// ui.perfetto.dev and chrome://tracing (`pagewait replay --trace-out`).
///
/// Layout:
/// - one track per task: `pid` 1, `tid` = the task's number, named by a
///   `thread_name` metadata event and ordered by `thread_sort_index`;
/// - time: one step is one microsecond, so `ts` (in µs, as the format
///   wants) is the step index; `displayTimeUnit` is `ms`, and every event's
///   `args.step` repeats the index. Step k occupies [k, k+1);
/// - duration events (`B`/`E`) on the task's track: the page lock held
///   (`PG_locked held`, from the step that sets PG_locked with the task as
///   owner to the step that clears it, inclusive), spinlocks held (`ptl`,
///   `i_pages lock`, `q->lock`), a page frozen by the task, each
///   `wait_on_page_bit_common` call and, inside it, the time asleep in
///   `io_schedule` (from the step that blocks to the step that wakes it),
///   each `wake_up_page_bit` walk, and every step itself (named by its
///   kernel function, with what it did and changed in `args.what`);
/// - under `--memory tso`, each store in a task's store buffer, as a slice
///   on its track (`store buffered: page 0 flags=...`) from the step that
///   buffered it to the flush that took it to memory, and an instant
///   `old value: ...` on the track of a step that touched the word while
///   another task's store to it was still buffered;
/// - instant events: wakes (on the waker's track, naming the woken task),
///   signals, pages freed, and the run's violation (global scope).
///
/// The format wants B/E on one track to nest perfectly, and kernel locks do
/// not (lock_page takes PG_locked inside its wait, unlock_page drops it
/// outside). Where a slice ends while slices opened after it are still open,
/// those are ended too and begun again at the same timestamp, with
/// `args.continued = true`: every `B` has its `E`, in order. Slices still open
/// at the end are closed there.
public struct PerfettoTrace {
    public var engine: Engine
    public var world: World
    public var taskNames: [String]
    public var counterNames: [String]
    /// The process track's name.
    public var title: String
    /// Run along the replay, so a violation a checker finds is drawn.
    public var checkers: [any Checker]
    /// The recorded run's step budget (see `Engine.replay`).
    public var maxSteps: Int
    /// The checkers without the PG_waiters diagnostic: when the diagnostic
    /// stops the replay and these carry the schedule on to the hang it
    /// predicted, the trace shows that hang as its violation (what `replay`
    /// and `explore` report) and the diagnostic as the first sign.
    public var followOnCheckers: [any Checker]?

    public init(engine: Engine, world: World, taskNames: [String], counterNames: [String] = [],
                title: String = "pagewait", checkers: [any Checker] = [LivenessChecker()], maxSteps: Int = Int.max) {
        self.engine = engine
        self.world = world
        self.taskNames = taskNames
        self.counterNames = counterNames
        self.title = title
        self.checkers = checkers
        self.maxSteps = maxSteps
    }

    /// A setup's engine, world and names, with the standard checkers.
    public init(setup: Setup, title: String = "pagewait", maxSteps: Int = Int.max) {
        self.init(engine: setup.engine, world: setup.world, taskNames: setup.taskNames, counterNames: setup.counterNames,
                  title: title, checkers: Checkers.standard(for: setup), maxSteps: maxSteps)
        followOnCheckers = Checkers.standard(for: setup, waitersDiagnostic: false)
    }

    /// The checkers to draw `schedule` with, and the first sign when they
    /// are the follow-on ones (the same choice `replayReport` makes).
    func checkers(for schedule: Schedule) -> (checkers: [any Checker], firstSign: Violation?) {
        guard let followOnCheckers else { return (checkers, nil) }
        var first = checkers, nobody = NoStepObserver()
        let outcome = engine.replay(world, schedule: schedule, checkers: &first, options: RunOptions(maxSteps: maxSteps), observer: &nobody)
        guard let v = outcome.violation, v.kind == .waitersUnsound else { return (checkers, nil) }
        var later = followOnCheckers
        let after = engine.replay(world, schedule: schedule, checkers: &later, options: RunOptions(maxSteps: maxSteps), observer: &nobody)
        guard after.stale == nil, after.violation != nil else { return (checkers, nil) }
        return (followOnCheckers, v)
    }

    /// Replay `schedule` and return the trace as JSON text.
    public func render(_ schedule: Schedule) -> String {
        var out = Builder(formatter: TraceFormatter(engine: engine, taskNames: taskNames, counterNames: counterNames), tasks: world.tasks.count)
        out.metadata(title: title)
        out.begin(out.slices(in: world), ts: 0)
        let chosen = self.checkers(for: schedule), firstSign = chosen.firstSign
        var checkers = chosen.checkers
        let outcome = engine.replay(world, schedule: schedule, checkers: &checkers, options: RunOptions(maxSteps: maxSteps), observer: &out)
        out.finish(at: outcome.steps)
        if let v = outcome.violation {
            out.instant("\(v.kind): \(v.detail)", cat: "violation", ts: min(max(v.step, 0), outcome.steps), track: nil,
                        args: [("step", "\(v.step)"), ("kind", jsonString(v.kind.rawValue)), ("task", "\(v.task)"),
                               ("taskName", jsonString(out.formatter.name(of: v.task))), ("function", jsonString(v.function)),
                               ("violation", jsonString(v.description))])
            if v.kind == .deadlock { out.cycle(WaitForGraph(world: outcome.world, engine: engine, taskNames: taskNames), end: outcome.steps) }
        }
        if let f = firstSign {
            out.instant("first sign: \(f.kind): \(f.detail)", cat: "first sign", ts: min(max(f.step, 0), outcome.steps), track: nil,
                        args: [("step", "\(f.step)"), ("kind", jsonString(f.kind.rawValue)), ("task", "\(f.task)"),
                               ("taskName", jsonString(out.formatter.name(of: f.task))), ("function", jsonString(f.function)),
                               ("violation", jsonString(f.description))])
        }
        if let s = outcome.stale {
            out.instant("schedule stops: \(s.detail)", cat: "schedule", ts: outcome.steps, track: nil,
                        args: [("step", "\(s.step)"), ("detail", jsonString(s.description))])
        }
        let end = outcome.violation.map { "violation: \($0)" } ?? outcome.end.rawValue
        var other = [("generator", jsonString("pagewait replay")), ("schedule", jsonString(schedule.description)),
                     ("time", jsonString("1 step = 1 us: ts is the step index")), ("steps", "\(outcome.steps)"),
                     ("end", jsonString(end))]
        if let f = firstSign { other.append(("firstSign", jsonString(f.description))) }
        return Self.document(other: other, events: out.events)
    }

    /// The Chrome Trace Event document around `events` (each one JSON
    /// object), with `other` as its `otherData`; shared with `LitmusTrace`.
    static func document(other: [(String, String)], events: [String]) -> String {
        "{\"displayTimeUnit\": \"ms\",\n\"otherData\": \(Builder.object(other)),\n\"traceEvents\": [\n"
            + events.joined(separator: ",\n") + "\n]}\n"
    }
}

extension PerfettoTrace {
    /// A slice kind, its subject (page, lock, bucket), and the task's track.
    struct SliceKey: Hashable {
        enum Kind: Int { case wait, wake, pageLock, frozen, spin, bucket, asleep, step, sleepLock, buffered }
        var track: Int
        var kind: Kind
        var id: Int64
    }

    /// One duration event on a task's track, a `B` and its `E` (Perfetto's
    /// slice; named so it does not shadow the standard library's `Span`).
    struct TrackSlice {
        var key: SliceKey
        var name: String
        var cat: String
        var args: [(String, String)]
    }

    struct Builder {
        let formatter: TraceFormatter
        var events: [String] = []
        /// Per track, the open slices, innermost last.
        var stacks: [[TrackSlice]]
        /// The step slice opened last (its track), closed at the next step.
        var openStep: Int?
        /// Slices the previous step ended, closed at the next step's start.
        var pendingEnds: [SliceKey] = []
        /// The world before the step being taken, kept for its slices and
        /// what it changed.
        var before: World?

        init(formatter: TraceFormatter, tasks: Int) {
            self.formatter = formatter
            stacks = Array(repeating: [], count: tasks)
        }

        static func object(_ pairs: [(String, String)]) -> String {
            "{" + pairs.map { "\(jsonString($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
        }

        mutating func metadata(title: String) {
            events.append(Self.object([("name", "\"process_name\""), ("ph", "\"M\""), ("pid", "1"), ("args", Self.object([("name", jsonString(title))]))]))
            for t in stacks.indices {
                events.append(Self.object([("name", "\"thread_name\""), ("ph", "\"M\""), ("pid", "1"), ("tid", "\(t)"),
                                           ("args", Self.object([("name", jsonString(formatter.name(of: t)))]))]))
                events.append(Self.object([("name", "\"thread_sort_index\""), ("ph", "\"M\""), ("pid", "1"), ("tid", "\(t)"),
                                           ("args", Self.object([("sort_index", "\(t)")]))]))
            }
        }

        mutating func emit(_ ph: String, _ slice: TrackSlice, ts: Int, continued: Bool = false) {
            var pairs = [("name", jsonString(slice.name)), ("cat", jsonString(slice.cat)), ("ph", "\"\(ph)\""),
                         ("ts", "\(ts)"), ("pid", "1"), ("tid", "\(slice.key.track)")]
            if ph == "B" {
                var args = [("step", "\(ts)")] + slice.args
                if continued { args.append(("continued", "true")) }
                pairs.append(("args", Self.object(args)))
            }
            events.append(Self.object(pairs))
        }

        mutating func instant(_ name: String, cat: String, ts: Int, track: Int?, args: [(String, String)]) {
            var pairs = [("name", jsonString(name)), ("cat", jsonString(cat)), ("ph", "\"i\""), ("ts", "\(ts)"), ("pid", "1")]
            if let track {
                pairs += [("tid", "\(track)"), ("s", "\"t\"")]
            } else {
                pairs += [("tid", "0"), ("s", "\"g\"")]
            }
            pairs.append(("args", Self.object([("step", "\(ts)")] + args)))
            events.append(Self.object(pairs))
        }

        /// The slices a world has open, outermost kinds first.
        func slices(in w: World) -> [TrackSlice] {
            var out: [TrackSlice] = []
            let engine = formatter.engine
            func page(_ pfn: PFN) -> String { w.pages.count > 1 ? " (pfn \(pfn))" : "" }
            for (t, task) in w.tasks.enumerated() where t < stacks.count {
                if task.frame.kind == .wait {
                    let f = task.wait
                    let behaviour = Int(f.behavior) < engine.behaviors.count ? engine.behaviors[Int(f.behavior)].name : "behaviour \(f.behavior)"
                    out.append(TrackSlice(key: SliceKey(track: t, kind: .wait, id: 0),
                                          name: "wait_on_page_bit_common(\(f.bit.kernelName), \(behaviour))", cat: "wait",
                                          args: [("page", jsonString(f.page.description)), ("bit", jsonString(f.bit.kernelName)),
                                                 ("behaviour", jsonString(behaviour)), ("state", jsonString(f.state.description))]))
                }
                if task.frame.kind == .wake {
                    let f = task.wake
                    out.append(TrackSlice(key: SliceKey(track: t, kind: .wake, id: 0),
                                          name: "wake_up_page_bit(\(f.bit.kernelName))\(page(f.page.pfn))", cat: "wake",
                                          args: [("page", jsonString(f.page.description)), ("bucket", "\(f.bucket)")]))
                }
            }
            for (i, p) in w.pages.enumerated() {
                let pfn = PFN(i)
                if p.isLocked && p.lockOwner != .none && p.lockOwner.index < stacks.count {
                    out.append(TrackSlice(key: SliceKey(track: p.lockOwner.index, kind: .pageLock, id: Int64(i)),
                                          name: "PG_locked held\(page(pfn))", cat: "page_lock",
                                          args: [("pfn", "\(i)"), ("gen", "\(p.gen)")]))
                }
                if p.life == .frozen && p.frozenBy != .none && p.frozenBy.index < stacks.count {
                    out.append(TrackSlice(key: SliceKey(track: p.frozenBy.index, kind: .frozen, id: Int64(i)),
                                          name: "page frozen\(page(pfn))", cat: "page_ref",
                                          args: [("pfn", "\(i)"), ("gen", "\(p.gen)")]))
                }
            }
            for (i, l) in w.sleepLocks.enumerated() {
                let id = SleepLockID(raw: UInt8(i))
                for h in l.holders where h < stacks.count {
                    out.append(TrackSlice(key: SliceKey(track: h, kind: .sleepLock, id: Int64(i)),
                                          name: "\(id) held\(l.readers.contains(h) ? " for reading" : "")", cat: "sleeping_lock",
                                          args: [("lock", jsonString(id.description))]))
                }
            }
            // `--memory tso`: each store in a task's buffer, from the step
            // that put it there to the flush that takes it to memory. The
            // slice is known by its word and value (two equal stores
            // buffered at once draw as one, for as long as either waits).
            for t in w.tasks.indices where t < stacks.count {
                for store in w.storeBuffers.stores(of: t) {
                    let text = "\(store)"
                    out.append(TrackSlice(key: SliceKey(track: t, kind: .buffered, id: Self.stableID(text)),
                                          name: "store buffered: \(text)", cat: "store_buffer", args: [("store", jsonString(text))]))
                }
            }
            for (t, task) in w.tasks.enumerated() where t < stacks.count {
                for l in task.heldLocks {
                    out.append(TrackSlice(key: SliceKey(track: t, kind: .spin, id: Int64(l.raw)), name: "\(l) held", cat: "spinlock",
                                          args: [("lock", jsonString(l.description))]))
                }
                if task.heldBucket >= 0 {
                    out.append(TrackSlice(key: SliceKey(track: t, kind: .bucket, id: Int64(task.heldBucket)),
                                          name: "q->lock held (bucket \(task.heldBucket))", cat: "spinlock",
                                          args: [("bucket", "\(task.heldBucket)")]))
                }
                if task.blocked, let (l, waiter) = w.sleepLockWait(of: t) {
                    let what = WaitForGraph.Resource.sleepLock(l, waiter.mode).description
                    out.append(TrackSlice(key: SliceKey(track: t, kind: .asleep, id: 0),
                                          name: "schedule: asleep on \(what) (\(task.state))", cat: "sleep",
                                          args: [("state", jsonString(task.state.description)), ("waitsOn", jsonString(what))]))
                } else if task.blocked {
                    out.append(TrackSlice(key: SliceKey(track: t, kind: .asleep, id: 0),
                                          name: "io_schedule: asleep (\(task.state))", cat: "sleep",
                                          args: [("state", jsonString(task.state.description)),
                                                 ("waitsOn", jsonString("\(task.entry.bit.kernelName) of \(task.entry.page)"))]))
                }
            }
            return out
        }

        /// FNV-1a of `text`: a key that is the same in every process.
        static func stableID(_ text: String) -> Int64 {
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            return Int64(bitPattern: h)
        }

        /// The wait-for cycle of a DEADLOCK: per edge, an instant on the
        /// waiter's track where the edge began, and a flow arrow from it to
        /// the holder's track, so the cycle reads as arrows between tracks.
        mutating func cycle(_ graph: WaitForGraph, end: Int) {
            for (i, e) in graph.cycle.enumerated() where e.wait.task < stacks.count && e.holder < stacks.count {
                let ts = min(max(e.formed ?? end, 0), end)
                let text = "waits for \(e.wait.resource), \(e.wait.resource.isLock ? "owned" : "held") by \(formatter.name(of: e.holder))"
                instant(text, cat: "wait-for cycle", ts: ts, track: e.wait.task,
                        args: [("edge", "\(i)"), ("waiter", "\(e.wait.task)"), ("holder", "\(e.holder)"),
                               ("resource", jsonString(e.wait.resource.description)), ("formedAtStep", e.formed.map { "\($0)" } ?? "null")])
                for (ph, tid) in [("s", e.wait.task), ("f", e.holder)] {
                    var pairs = [("name", jsonString("wait-for")), ("cat", "\"wait-for cycle\""), ("ph", "\"\(ph)\""), ("id", "\(i + 1)"),
                                 ("ts", "\(ts)"), ("pid", "1"), ("tid", "\(tid)")]
                    if ph == "f" { pairs.append(("bp", "\"e\"")) }
                    events.append(Self.object(pairs))
                }
            }
        }

        mutating func begin(_ slices: [TrackSlice], ts: Int) {
            for s in slices {
                stacks[s.key.track].append(s)
                emit("B", s, ts: ts)
            }
        }

        /// End `keys` at `ts`; slices opened after one of them on the same
        /// track end too and begin again, so B/E stay nested.
        mutating func end(_ keys: [SliceKey], ts: Int) {
            let byTrack = Dictionary(grouping: keys, by: \.track)
            for track in byTrack.keys.sorted() {
                let ending = Set(byTrack[track]!)
                guard let lowest = stacks[track].firstIndex(where: { ending.contains($0.key) }) else { continue }
                let popped = Array(stacks[track][lowest...])
                stacks[track].removeSubrange(lowest...)
                for s in popped.reversed() { emit("E", s, ts: ts) }
                for s in popped where !ending.contains(s.key) {
                    stacks[track].append(s)
                    emit("B", s, ts: ts, continued: true)
                }
            }
        }

        mutating func closeStep(ts: Int) {
            if let track = openStep, let last = stacks[track].last, last.key.kind == .step {
                stacks[track].removeLast()
                emit("E", last, ts: ts)
            }
            openStep = nil
        }

        /// One replayed step, with the worlds around it.
        mutating func step(_ k: Int, _ event: StepEvent, before w0: World, after w1: World) {
            let t = event.task.index
            closeStep(ts: k)
            end(pendingEnds, ts: k)
            let before = slices(in: w0), after = slices(in: w1)
            let beforeKeys = Set(before.map(\.key)), afterKeys = Set(after.map(\.key))
            begin(after.filter { !beforeKeys.contains($0.key) }, ts: k)
            pendingEnds = before.map(\.key).filter { !afterKeys.contains($0) }

            let (fn, what) = formatter.describe(event, before: w0)
            var changes = formatter.changeTexts(event, before: w0, after: w1)
            let memoryNotes = formatter.engine.memory == .tso ? w0.storeBuffers.notes(for: event, before: w0, after: w1)
                : formatter.engine.memory == .arm && event.action != .advance ? w1.views.notes(name: formatter.name(of:)) : []
            changes += memoryNotes
            let text = changes.isEmpty ? what : (what == "-" ? "" : what + "; ") + changes.joined(separator: ", ")
            if t < stacks.count {
                begin([TrackSlice(key: SliceKey(track: t, kind: .step, id: Int64(k)), name: fn, cat: "step",
                                  args: [("what", jsonString(text)), ("task", jsonString(formatter.name(of: t)))])], ts: k)
                openStep = t
            }

            for c in World.changes(from: w0, to: w1) {
                switch c {
                case .woken(let woken, let state):
                    let bySignal = event.action == .signal
                    instant("\(bySignal ? "signal wakes" : "wake") \(formatter.name(of: woken))", cat: "wake", ts: k, track: t,
                            args: [("waker", jsonString(formatter.name(of: t))), ("woken", jsonString(formatter.name(of: woken))),
                                   ("wokenTid", "\(woken)"), ("sleptIn", jsonString(state.description))])
                case .sleepState(let other, let from, .running) where other != t:
                    instant("wake \(formatter.name(of: other)) (before it slept)", cat: "wake", ts: k, track: t,
                            args: [("waker", jsonString(formatter.name(of: t))), ("woken", jsonString(formatter.name(of: other))),
                                   ("wokenTid", "\(other)"), ("state", jsonString(from.description))])
                case .life(let pfn, _, .free, let gen):
                    instant("page freed (pfn \(pfn))", cat: "free", ts: k, track: t,
                            args: [("pfn", "\(pfn)"), ("gen", "\(gen)"), ("by", jsonString(formatter.name(of: t)))])
                default:
                    break
                }
            }
            // A step that touched a word while another task's store to it
            // was still buffered read the older value.
            // Under arm, a load that read an older message (`is newer`).
            for note in memoryNotes where (note.hasSuffix("still in its store buffer") || note.hasSuffix("is newer")) && t < stacks.count {
                instant("old value: \(note)", cat: "store_buffer", ts: k, track: t, args: [("note", jsonString(note))])
            }
            if event.action == .signal {
                let target = Int(event.a)
                instant("\(event.b == 1 ? "SIGKILL" : "signal") to \(formatter.name(of: target))", cat: "signal", ts: k, track: t,
                        args: [("from", jsonString(formatter.name(of: t))), ("to", jsonString(formatter.name(of: target))),
                               ("fatal", event.b == 1 ? "true" : "false")])
            }
        }

        /// After the last step: close its slice, the slices it ended, and
        /// everything still open.
        mutating func finish(at ts: Int) {
            closeStep(ts: ts)
            end(pendingEnds, ts: ts)
            pendingEnds = []
            for track in stacks.indices {
                for s in stacks[track].reversed() { emit("E", s, ts: ts) }
                stacks[track] = []
            }
        }
    }
}

extension PerfettoTrace.Builder: StepObserver {
    mutating func willStep(_ index: Int, task: Int, world: World) {
        before = world
    }

    mutating func didStep(_ index: Int, _ event: StepEvent, world: World) {
        step(index, event, before: before ?? world, after: world)
    }
}
