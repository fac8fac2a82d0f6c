import PagewaitCore

/// One kernel version as the strategies model it: what `pagewait bisect`
/// explores at each point of a chain.
public struct KernelVersion: Sendable, Hashable {
    /// The release it first shipped in, as docs/strategies.md dates it.
    public var version: String
    /// The strategy that models it.
    public var strategy: String
    /// The commit that made this version from the one before it; empty for
    /// a chain's start.
    public var commit: String
    /// The commit's title (or, for a chain's start, what it is).
    public var title: String
    /// What of the commit this version holds, when not all of it.
    public var note: String

    public init(_ version: String, strategy: String, commit: String = "", title: String, note: String = "") {
        self.version = version
        self.strategy = strategy
        self.commit = commit
        self.title = title
        self.note = note
    }

    /// "5ef64cc8987a \"mm: allow ...\"", with the note; the title alone
    /// when there is no commit.
    public var citation: String {
        let quoted = commit.isEmpty ? title : "\(commit) \"\(title)\""
        return note.isEmpty ? quoted : "\(quoted) (\(note))"
    }
}

/// The ordered chains of kernel versions the strategies model
/// (docs/strategies.md): the fault and wait path from v4.19 on, and the
/// reclaim side of 9a1ea439b16b split in two, so that the hunk reverting
/// a978d6f52106 "mm: unlockless reclaim" is a version of its own.
public enum KernelChain: String, CaseIterable, Sendable {
    case fault, reclaim

    public var versions: [KernelVersion] {
        switch self {
        case .fault:
            [
                KernelVersion("v4.19", strategy: "legacy",
                              title: "the v4.19 wait core: wait_on_page_locked holding a reference, wake bookmarks (2554db916586, 11a19c7b099f), unlockless reclaim (a978d6f52106)"),
                KernelVersion("v5.0", strategy: "put-and-wait", commit: "9a1ea439b16b",
                              title: "mm: put_and_wait_on_page_locked() while page is migrated"),
                KernelVersion("v5.9a", strategy: "rewrite-fair", commit: "2a9127fcf229",
                              title: "mm: rewrite wait_on_page_bit_common() logic"),
                KernelVersion("v5.9", strategy: "unfair-5", commit: "5ef64cc8987a",
                              title: "mm: allow a controlled amount of unfairness in the page lock"),
                KernelVersion("v5.17", strategy: "noref", commit: "ffa65753c431",
                              title: "mm/migrate.c: rework migration_entry_wait() to not take a pageref"),
                KernelVersion("v6.7", strategy: "no-bookmarks",
                              title: "sched: remove wait bookmarks; filemap: remove use of wait bookmarks",
                              note: "upstream ids not confirmed"),
            ]
        case .reclaim:
            [
                KernelVersion("v4.19", strategy: "legacy", commit: "a978d6f52106", title: "mm: unlockless reclaim",
                              note: "the v4.19 state: faulters wait holding a reference"),
                KernelVersion("v5.0 (no revert)", strategy: "put-and-wait-unlockless", commit: "9a1ea439b16b",
                              title: "mm: put_and_wait_on_page_locked() while page is migrated",
                              note: "with a978d6f52106 kept: the commit without its revert hunk"),
                KernelVersion("v5.0", strategy: "put-and-wait", commit: "9a1ea439b16b",
                              title: "mm: put_and_wait_on_page_locked() while page is migrated",
                              note: "whole: reclaim back to unlock_page, reverting a978d6f52106"),
            ]
        }
    }
}
