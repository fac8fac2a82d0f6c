// Every "kernel-model §N", "kernel-model IN" and "kernel-model FN" in the
// sources and the docs names a heading or a numbered item of
// docs/kernel-model.md, so a reader who clones the repository can follow
// each one. "§2.11.5" and "§5.10" name item 5 of §2.11 and item 10 of §5.

import Foundation
import Testing

/// One label a citation names, and where.
struct KernelModelCitation: Hashable, CustomStringConvertible {
    var file: String
    var line: Int
    var label: String
    var description: String { "\(file):\(line): \(KernelModelCitations.marker) \(label)" }
}

enum KernelModelCitations {
    /// Spelled in two halves, so this file cites nothing itself.
    static let marker = "kernel-" + "model"
    /// What is scanned, relative to the package root.
    static let roots = ["Core", "Plugins", "Apps", "docs", "include", "Tests", "README.md"]
    static let extensions: Set<String> = ["swift", "md", "h", "c"]
    /// The most characters after the marker a citation's label list may take.
    static let reach = 300

    /// The labels every citation in `text` names (the text of `file`). A
    /// citation runs from the marker to a closing parenthesis, bracket,
    /// quote, table bar, colon or sentence end, across comment continuation
    /// lines; ranges (F3–F6, §1–§5) give each of their labels.
    static func citations(in text: String, file: String) -> [KernelModelCitation] {
        let chars = Array(text)
        let markerChars = Array(marker)
        let markdown = file.hasSuffix(".md")
        var lineAt = [Int](repeating: 1, count: chars.count + 1)
        for i in chars.indices { lineAt[i + 1] = lineAt[i] + (chars[i] == "\n" ? 1 : 0) }
        var out: [KernelModelCitation] = []
        // A citation that runs on into the next line's citation shares its labels.
        var seen = Set<String>()
        var i = 0
        while i + markerChars.count <= chars.count {
            guard zip(chars[i..<(i + markerChars.count)], markerChars).allSatisfy({ $0.lowercased() == String($1) }) else {
                i += 1
                continue
            }
            let start = i + markerChars.count
            let end = extentEnd(chars, from: start, markdown: markdown)
            for (label, at) in labels(chars, start..<end) where seen.insert("\(at) \(label)").inserted {
                out.append(KernelModelCitation(file: file, line: lineAt[at], label: label))
            }
            i = start
        }
        return out
    }

    /// Where the citation starting at `start` ends.
    static func extentEnd(_ c: [Character], from start: Int, markdown: Bool) -> Int {
        var depth = 0
        var k = start
        while k < c.count && k - start < reach {
            switch c[k] {
            case "(":
                depth += 1
            case ")":
                if depth == 0 { return k }
                depth -= 1
            case "]", "\"", "|", ":":
                return k
            case ".":
                if k + 1 == c.count || c[k + 1].isWhitespace { return k }
            case "\n":
                // Go on into a comment's next line, or a paragraph's in
                // Markdown; a blank line or a line of code ends it.
                var j = k + 1
                while j < c.count && c[j] != "\n" && c[j].isWhitespace { j += 1 }
                if j == c.count || c[j] == "\n" { return k }
                if c[j] == "/" {
                    while j < c.count && c[j] == "/" { j += 1 }
                } else if !markdown {
                    return k
                }
                k = j
                continue
            default:
                break
            }
            k += 1
        }
        return k
    }

    /// The labels in `c[range]`, each with the index it starts at.
    static func labels(_ c: [Character], _ range: Range<Int>) -> [(String, Int)] {
        var out: [(String, Int)] = []
        var k = range.lowerBound
        func number(_ from: Int, dotted: Bool) -> (String, Int)? {
            var j = from, s = ""
            while j < range.upperBound, c[j].isASCII, c[j].isNumber || (dotted && c[j] == "." && j + 1 < range.upperBound && c[j + 1].isASCII && c[j + 1].isNumber && !s.isEmpty) {
                s.append(c[j])
                j += 1
            }
            return s.isEmpty ? nil : (s, j)
        }
        /// After a label ending at `j`: the index past "–" or "-" (and spaces), if a range follows.
        func rangeDash(_ j: Int) -> Int? {
            var m = j
            while m < range.upperBound && c[m] == " " { m += 1 }
            guard m < range.upperBound, c[m] == "–" || c[m] == "-" else { return nil }
            m += 1
            while m < range.upperBound && c[m] == " " { m += 1 }
            return m
        }
        while k < range.upperBound {
            let ch = c[k]
            if ch == "§", let (n, j) = number(k + 1, dotted: true) {
                out.append(("§" + n, k))
                k = j
                if let m = rangeDash(j) {
                    let from = m < range.upperBound && c[m] == "§" ? m + 1 : m
                    if let (n2, j2) = number(from, dotted: true) {
                        out.append(("§" + n2, m))
                        k = j2
                    }
                }
                continue
            }
            let boundary = k == range.lowerBound || !(c[k - 1].isLetter || c[k - 1].isNumber || c[k - 1] == "_")
            if (ch == "I" || ch == "F") && boundary, let (n, j) = number(k + 1, dotted: false),
               j == range.upperBound || !(c[j].isLetter || c[j].isNumber) {
                out.append(("\(ch)\(n)", k))
                k = j
                if let m = rangeDash(j) {
                    let from = m < range.upperBound && c[m] == ch ? m + 1 : m
                    if let (n2, j2) = number(from, dotted: false), let a = Int(n), let b = Int(n2), a < b, b - a <= 100 {
                        for v in (a + 1)...b { out.append(("\(ch)\(v)", m)) }
                        k = j2
                    }
                }
                continue
            }
            k += 1
        }
        return out
    }

    /// The labels `doc` defines: each heading that starts with one (§2.4, I3,
    /// F8), and each numbered item at the start of a line under a § heading
    /// (item 5 under §2.11 is §2.11.5).
    static func defined(in doc: String) -> Set<String> {
        var out: Set<String> = []
        var section: String?
        for raw in doc.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            if line.hasPrefix("#") {
                section = nil
                let words = line.drop { $0 == "#" }.split(separator: " ")
                guard let first = words.first else { continue }
                let label = String(first).trimmingCharacters(in: CharacterSet(charactersIn: ".:"))
                let isSection = label.hasPrefix("§") && label.dropFirst().allSatisfy { $0.isNumber || $0 == "." } && label.count > 1
                let isLabel = (label.hasPrefix("I") || label.hasPrefix("F")) && label.count > 1 && label.dropFirst().allSatisfy(\.isNumber)
                if isSection || isLabel { out.insert(label) }
                if isSection { section = label }
                continue
            }
            guard let section, let first = line.first, first.isNumber else { continue }
            let digits = line.prefix { $0.isNumber }
            if line.dropFirst(digits.count).hasPrefix(". ") { out.insert("\(section).\(digits)") }
        }
        return out
    }

    /// The citations whose label `doc` does not define.
    static func unresolved(_ citations: [KernelModelCitation], doc: String) -> [KernelModelCitation] {
        let known = defined(in: doc)
        return citations.filter { !known.contains($0.label) }
    }

    /// Every scanned file's citations.
    static func scan(root: URL) throws -> [KernelModelCitation] {
        var files: [String] = []
        let fm = FileManager.default
        for top in roots {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: root.appendingPathComponent(top).path, isDirectory: &isDirectory) else { continue }
            guard isDirectory.boolValue else { files.append(top); continue }
            guard let walker = fm.enumerator(atPath: root.appendingPathComponent(top).path) else { continue }
            while let path = walker.nextObject() as? String {
                if path.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
                if let ext = path.split(separator: ".").last, extensions.contains(String(ext)) { files.append(top + "/" + path) }
            }
        }
        var out: [KernelModelCitation] = []
        for file in files.sorted() {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            out += citations(in: text, file: file)
        }
        return out
    }
}

@Suite("Kernel-model citations")
struct KernelModelCitationTests {
    static let docPath = "docs/kernel-model.md"

    @Test("every kernel-model §, I and F label cited in Core, Plugins, Apps, docs, include, Tests and the README names a heading or numbered item of docs/kernel-model.md")
    func everyCitationResolves() throws {
        let doc = try String(contentsOf: packageRoot.appendingPathComponent(Self.docPath), encoding: .utf8)
        let citations = try KernelModelCitations.scan(root: packageRoot)
        #expect(Set(citations.map(\.file)).count > 10, "the scan found the citing files")
        for c in KernelModelCitations.unresolved(citations, doc: doc) {
            Issue.record("\(c) names no heading or numbered item of \(Self.docPath)")
        }
    }

    @Test("the scanner reads each citation form: comment continuations, steps, ranges, string literals, table cells, sentence ends")
    func citationForms() {
        let m = KernelModelCitations.marker
        let swift = """
        // The walk (\(m) §2.4 step 2i,
        // step 3; §4 I6; §5.10). Also (\(m) F3–F6, §1–§5).
        /// Doc (\(m) §2.11.5).
        reference: "\(m) I7, §2.12; eb414681d5a0", other: "F9"
        let x = 1 // \(m)'s text, no label
        // \(m) F1: the rest F2 is not cited.
        // \(m) §3.
        // (F4 is outside any citation)
        """
        let labels = KernelModelCitations.citations(in: swift, file: "X.swift").map { "\($0.line):\($0.label)" }
        #expect(labels == ["1:§2.4", "2:§4", "2:I6", "2:§5.10", "2:F3", "2:F4", "2:F5", "2:F6", "2:§1", "2:§5",
                           "3:§2.11.5", "4:I7", "4:§2.12", "6:F1", "7:§3"])
        let md = "| `x` | \(m) §5 E(k, m), F1 |\n\nSee [\(m) §2.7](kernel-model.md) and\n\(m) §2.8–2.11 with\nF13 on the next line.\n"
        #expect(KernelModelCitations.citations(in: md, file: "x.md").map(\.label) == ["§5", "F1", "§2.7", "§2.8", "§2.11", "F13"])
    }

    @Test("a label the document lacks is reported with its file and line; headings and numbered items under § headings define labels")
    func missingLabelsAreReported() {
        let doc = """
        # Title
        ## Conventions
        1. not a section item
        ## §2 Operations
        ### §2.11 Reclaim
        1. trylock
           2. indented: not an item
        5. clear the lock
        ## §4 Invariants
        ### I3 Soundness
        ### F8 Lost wakeup
        1. a step of F8, not of §4
        """
        #expect(KernelModelCitations.defined(in: doc) == ["§2", "§2.11", "§2.11.1", "§2.11.5", "§4", "I3", "F8"])
        let m = KernelModelCitations.marker
        let text = "// (\(m) §2.11.5, I3, F8)\n// (\(m) §2.11.2, §4.1, I4,\n// F9)\n"
        let missing = KernelModelCitations.unresolved(KernelModelCitations.citations(in: text, file: "Core/A.swift"), doc: doc)
        #expect(missing.map(\.description) == ["Core/A.swift:2: \(m) §2.11.2", "Core/A.swift:2: \(m) §4.1",
                                               "Core/A.swift:2: \(m) I4", "Core/A.swift:3: \(m) F9"])
    }
}
