import PagewaitPlugins

/// Success rate against the number of faulters, one line per strategy, as a
/// standalone SVG document.
struct SuccessChart {
    var title: String
    var rows: [CellSummary]

    func render() -> String {
        let width = 720.0, height = 440.0, left = 70.0, right = 200.0, top = 50.0, bottom = 60.0
        let plotW = width - left - right, plotH = height - top - bottom
        let ks = Set(rows.map(\.faulters)).sorted()
        let maxK = Double(max(1, ks.last ?? 1))
        func x(_ k: Int) -> Double { left + plotW * Double(k) / maxK }
        func y(_ rate: Double) -> Double { top + plotH * (1 - rate) }
        let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                       "#bcbd22", "#17becf", "#393b79", "#637939", "#843c39"]
        var strategies: [String] = []
        for r in rows where !strategies.contains(r.strategy) { strategies.append(r.strategy) }

        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="28" font-size="15">\(escape(title))</text>

            """
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            s += "<line x1=\"\(left)\" y1=\"\(y(tick))\" x2=\"\(left + plotW)\" y2=\"\(y(tick))\" stroke=\"#ddd\"/>\n"
            s += "<text x=\"\(left - 8)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\">\(Int(tick * 100)) %</text>\n"
        }
        for k in ks {
            s += "<text x=\"\(x(k))\" y=\"\(top + plotH + 20)\" text-anchor=\"middle\">\(k)</text>\n"
        }
        s += "<line x1=\"\(left)\" y1=\"\(top + plotH)\" x2=\"\(left + plotW)\" y2=\"\(top + plotH)\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(top + plotH)\" stroke=\"black\"/>\n"
        s += "<text x=\"\(left + plotW / 2)\" y=\"\(height - 15)\" text-anchor=\"middle\">concurrent faulters</text>\n"
        s += "<text transform=\"translate(18 \(top + plotH / 2)) rotate(-90)\" text-anchor=\"middle\">migration succeeds within its passes</text>\n"
        // Lines that coincide (every DROP strategy at 100 %) stay visible
        // through their dash patterns.
        let dashes = ["", "7 4", "2 3", "10 3 2 3"]
        for (i, name) in strategies.enumerated() {
            let colour = palette[i % palette.count]
            let dash = dashes[i % dashes.count].isEmpty ? "" : " stroke-dasharray=\"\(dashes[i % dashes.count])\""
            let points = rows.filter { $0.strategy == name }.sorted { $0.faulters < $1.faulters }
            let path = points.map { "\(x($0.faulters)),\(y($0.successRate))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash) points=\"\(path)\"><title>\(escape(name))</title></polyline>\n"
            for p in points {
                s += "<line x1=\"\(x(p.faulters))\" y1=\"\(y(p.successLow))\" x2=\"\(x(p.faulters))\" y2=\"\(y(p.successHigh))\" stroke=\"\(colour)\"/>\n"
                s += "<circle cx=\"\(x(p.faulters))\" cy=\"\(y(p.successRate))\" r=\"3\" fill=\"\(colour)\"><title>\(escape(name)), \(p.faulters) faulters: \(Int((p.successRate * 1000).rounded()) / 10) %</title></circle>\n"
            }
            let ly = top + 10 + Double(i) * 18
            s += "<line x1=\"\(left + plotW + 15)\" y1=\"\(ly)\" x2=\"\(left + plotW + 35)\" y2=\"\(ly)\" stroke=\"\(colour)\" stroke-width=\"2\"\(dash)/>\n"
            s += "<text x=\"\(left + plotW + 40)\" y=\"\(ly + 4)\">\(escape(name))</text>\n"
        }
        return s + "</svg>\n"
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
