import PagewaitCore

/// Renders a report as aligned text tables.
public struct TextReporter: Reporter {
    public init() {}
    public var name: String { "text" }
    public var summary: String { "aligned plain-text tables" }
    public var reference: String { "" }

    public func render(_ d: ReportDocument) -> String {
        var out = d.title.isEmpty ? "" : d.title + "\n"
        for table in d.tables {
            out += "\n" + (table.title.isEmpty ? "" : table.title + "\n")
            var widths = table.columns.map(\.count)
            for row in table.rows {
                for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
            }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { i, c in
                    let w = i < widths.count ? widths[i] : c.count
                    // Left-align the first column, right-align the numbers.
                    let pad = String(repeating: " ", count: max(0, w - c.count))
                    return i == 0 ? c + pad : pad + c
                }.joined(separator: "  ").trimmingTrailingSpaces()
            }
            out += line(table.columns) + "\n"
            out += line(widths.map { String(repeating: "-", count: $0) }) + "\n"
            for row in table.rows { out += line(row) + "\n" }
        }
        if !d.notes.isEmpty { out += "\n" + d.notes.joined(separator: "\n") + "\n" }
        return out
    }
}

/// Renders a report as one JSON document: tables as arrays of objects keyed
/// by column name.
public struct JSONReporter: Reporter {
    public init() {}
    public var name: String { "json" }
    public var summary: String { "one JSON document: {title, tables: [{title, rows: [{column: value}]}], notes}" }
    public var reference: String { "" }

    public func render(_ d: ReportDocument) -> String {
        let tables = d.tables.map { t in
            let rows = t.rows.map { row in
                "{" + zip(t.columns, row).map { "\(jsonString($0)): \(jsonValue($1))" }.joined(separator: ", ") + "}"
            }
            return "{\"title\": \(jsonString(t.title)), \"rows\": [" + rows.joined(separator: ", ") + "]}"
        }
        let notes = d.notes.map(jsonString).joined(separator: ", ")
        return "{\"title\": \(jsonString(d.title)), \"tables\": [\(tables.joined(separator: ", "))], \"notes\": [\(notes)]}\n"
    }

    private func jsonValue(_ s: String) -> String {
        if let d = Double(s), d.isFinite, !s.isEmpty, s.first != "+" { return s }
        return jsonString(s)
    }
}

/// A JSON string literal.
public func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if u.value < 0x20 {
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}
