// How closely one list of scores follows another (int8 against fp32 on the same pairs): the absolute
// differences, rank correlations, and the share of each prompt's response pairs ordered the same way.
// Pure arithmetic over two arrays; `reward-server compare` prints it and the accuracy test asserts on it.

public struct ScoreAgreement: Codable, Equatable, Sendable {
    public var pairs: Int
    public var maxAbsDelta: Double
    public var p99AbsDelta: Double
    public var meanAbsDelta: Double
    public var spearman: Double
    public var kendall: Double
    /// Over every prompt with several responses, the fraction of its response pairs that both lists order
    /// the same way (ties count as agreeing only when tied in both).
    public var rankingAgreement: Double
    public var rankedResponsePairs: Int

    enum CodingKeys: String, CodingKey {
        case pairs
        case maxAbsDelta = "max_abs_delta"
        case p99AbsDelta = "p99_abs_delta"
        case meanAbsDelta = "mean_abs_delta"
        case spearman, kendall
        case rankingAgreement = "ranking_agreement"
        case rankedResponsePairs = "ranked_response_pairs"
    }

    /// `reference` and `candidate` score the same pairs; `groups[i]` names pair i's prompt.
    public init(reference: [Double], candidate: [Double], groups: [Int]) {
        precondition(reference.count == candidate.count && groups.count == reference.count)
        pairs = reference.count
        let deltas = zip(reference, candidate).map { abs($0 - $1) }.sorted()
        maxAbsDelta = deltas.last ?? 0
        // Nearest-rank percentile.
        let rank = Int((Double(deltas.count) * 0.99).rounded(.up))
        p99AbsDelta = deltas.isEmpty ? 0 : deltas[max(0, min(deltas.count, rank) - 1)]
        meanAbsDelta = deltas.isEmpty ? 0 : deltas.reduce(0, +) / Double(deltas.count)
        spearman = Self.pearson(Self.ranks(reference), Self.ranks(candidate))
        kendall = Self.kendallTauB(reference, candidate)
        var agreeing = 0
        var total = 0
        for members in Dictionary(grouping: groups.indices, by: { groups[$0] }).values where members.count > 1 {
            for (a, i) in members.enumerated() {
                for j in members[(a + 1)...] {
                    total += 1
                    if (reference[i] - reference[j]).sign == (candidate[i] - candidate[j]).sign
                        && (reference[i] == reference[j]) == (candidate[i] == candidate[j])
                    {
                        agreeing += 1
                    }
                }
            }
        }
        rankedResponsePairs = total
        rankingAgreement = total == 0 ? 1 : Double(agreeing) / Double(total)
    }

    /// Ranks 1...n, ties given their average rank.
    static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let average = Double(start + end) / 2 + 1
            for k in start...end { ranks[order[k]] = average }
            start = end + 1
        }
        return ranks
    }

    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        guard x.count > 1 else { return 1 }
        let mx = x.reduce(0, +) / Double(x.count)
        let my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        return sxx == 0 || syy == 0 ? 0 : sxy / (sxx * syy).squareRoot()
    }

    /// Kendall's tau-b over all pairs (O(n²): a few thousand scores take milliseconds).
    static func kendallTauB(_ x: [Double], _ y: [Double]) -> Double {
        var concordant = 0.0
        var discordant = 0.0
        var tiedX = 0.0
        var tiedY = 0.0
        for i in x.indices {
            for j in (i + 1)..<x.count {
                let dx = x[i] - x[j]
                let dy = y[i] - y[j]
                if dx == 0 && dy == 0 { continue }
                if dx == 0 { tiedX += 1 } else if dy == 0 { tiedY += 1 } else if (dx > 0) == (dy > 0) {
                    concordant += 1
                } else {
                    discordant += 1
                }
            }
        }
        let denominator = ((concordant + discordant + tiedX) * (concordant + discordant + tiedY)).squareRoot()
        return denominator == 0 ? 0 : (concordant - discordant) / denominator
    }
}
