// Code samples in the docs are quoted from the examples, which the tests
// build and run, so a sample cannot drift from code that works. A quoted
// block is marked with the file and lines it comes from:
//
//     <!-- example: Examples/c-embed/main.c lines 10-40 -->
//     ```c
//     ...lines 10 to 40 of the file, byte for byte...
//     ```

import Foundation
import Testing

/// One fenced block of a Markdown file, with the example marker before it.
struct DocSample {
    var doc: String
    /// 1-based line of the opening fence.
    var line: Int
    var language: String
    var text: String
    /// The marker's file and line range, if the block has one.
    var source: (path: String, lines: ClosedRange<Int>)?
}

/// The fenced blocks of `doc` (a path relative to the package root).
func docSamples(_ doc: String) throws -> [DocSample] {
    let text = try String(contentsOf: packageRoot.appendingPathComponent(doc), encoding: .utf8)
    let lines = text.components(separatedBy: "\n")
    var samples: [DocSample] = []
    var i = 0
    while i < lines.count {
        let line = lines[i]
        guard line.hasPrefix("```") else { i += 1; continue }
        let language = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
        var body: [String] = []
        var j = i + 1
        while j < lines.count, lines[j] != "```" { body.append(lines[j]); j += 1 }
        var source: (String, ClosedRange<Int>)?
        if i > 0, let marker = parseExampleMarker(lines[i - 1]) { source = marker }
        samples.append(DocSample(doc: doc, line: i + 1, language: language, text: body.joined(separator: "\n"), source: source))
        i = j + 1
    }
    return samples
}

/// `<!-- example: PATH lines A-B -->`, or nil.
func parseExampleMarker(_ line: String) -> (String, ClosedRange<Int>)? {
    let prefix = "<!-- example: ", suffix = " -->"
    guard line.hasPrefix(prefix), line.hasSuffix(suffix) else { return nil }
    let words = line.dropFirst(prefix.count).dropLast(suffix.count).split(separator: " ")
    guard words.count == 3, words[1] == "lines" else { return nil }
    let bounds = words[2].split(separator: "-").compactMap { Int($0) }
    guard bounds.count == 2, bounds[0] >= 1, bounds[0] <= bounds[1] else { return nil }
    return (String(words[0]), bounds[0]...bounds[1])
}

@Suite("Doc samples")
struct DocSamplesTests {
    /// The docs whose code samples must all be quoted from the examples.
    static let quotingDocs = ["docs/c-abi.md", "docs/plugins.md", "docs/tour.md"]

    @Test("Every marked block in the docs and the README is byte-identical to the lines of the file it names",
          arguments: ["README.md", "docs/architecture.md", "docs/c-abi.md", "docs/exploration.md", "docs/plugins.md",
                      "docs/scenarios.md", "docs/strategies.md", "docs/tour.md"])
    func markedBlocksMatch(doc: String) throws {
        for sample in try docSamples(doc) {
            guard let (path, range) = sample.source else { continue }
            let file = try String(contentsOf: packageRoot.appendingPathComponent(path), encoding: .utf8)
            var lines = file.components(separatedBy: "\n")
            if lines.last == "" { lines.removeLast() }
            guard range.upperBound <= lines.count else {
                Issue.record("\(doc):\(sample.line): \(path) has \(lines.count) lines, not \(range.upperBound)")
                continue
            }
            let expected = lines[(range.lowerBound - 1)..<range.upperBound].joined(separator: "\n")
            #expect(sample.text == expected, "\(doc):\(sample.line) differs from \(path) lines \(range.lowerBound)-\(range.upperBound)")
        }
    }

    @Test("Every C and Swift sample in the C interface and plugin docs is quoted from an example, and every example is quoted")
    func samplesAreQuoted() throws {
        var quoted: Set<String> = []
        for doc in Self.quotingDocs {
            let samples = try docSamples(doc)
            for sample in samples where ["c", "swift"].contains(sample.language) {
                #expect(sample.source != nil, "\(doc):\(sample.line): a \(sample.language) block without an example marker")
                if let (path, _) = sample.source { quoted.insert(path) }
            }
            #expect(!samples.isEmpty, "\(doc) has no samples")
        }
        for example in ["Examples/c-embed/main.c", "Examples/c-plugin/cond_reclaim.c", "Examples/swift-plugin/Sources/main.swift"] {
            #expect(quoted.contains(example), "no doc quotes \(example)")
        }
    }
}
